// The Reconciler's executor: a plan's actions carried out against the runtime, one small
// function per action kind, and what the pod's status learns from them.
#include <spdlog/spdlog.h>

#include <cerrno>

#include "manifests/identity.h"
#include "reconciler/reconciler.h"

namespace podkeeper::reconciler {
namespace {

std::optional<runtime::ExitRecord> exitOf(const runtime::SandboxState* obs,
                                          const std::string& name) {
  if (obs)
    for (const auto& c : obs->containers)
      if (c.name == name) return c.exit;
  return std::nullopt;
}

// The pod's key from its manifest, else from its sandbox, else (nothing known) its uid.
std::string keyOf(const manifests::DecodedPod* desired, const runtime::SandboxState* obs,
                  const std::string& uid) {
  if (desired)
    return manifests::podKey(desired->pod.metadata.namespace_, desired->pod.metadata.name);
  return obs ? manifests::podKey(obs->namespace_, obs->name) : uid;
}

}  // namespace

Result<void> Reconciler::execute(const Plan& plan, const manifests::DecodedPod* desired,
                                 const std::string& uid) {
  const runtime::SandboxState* obs = observed(uid);
  const Step step{desired, uid, keyOf(desired, obs, uid), obs};
  bool networkWaits = false;  // its network is being set up: containers start when it is
  for (size_t i = 0; i < plan.actions.size(); ++i) {
    const Action& a = plan.actions[i];
    // A postStart hook of the pod is running: its later containers wait, as in the kubelet.
    const bool held =
        (a.kind == ActionKind::StartContainer || a.kind == ActionKind::RemoveContainer) &&
        (postStartHolds(uid) || networkWaits);
    if (held) continue;
    auto r = runAction(step, a);
    // The rest once this action's runtime call ended (off the loop), unless they need no more
    // of it than its success: then their calls follow it in the same job, and the pass goes on
    // as if it had not ended (the next action that ends it is asked the same).
    if (r && passEnded_ && i + 1 < plan.actions.size() && chainsAfter(step, a)) passEnded_ = false;
    if (r && passEnded_) {
      Plan done = plan;
      done.actions.resize(i + 1);
      // (Not for a removal in progress: its files are going.)
      if (obs && a.kind != ActionKind::RemoveSandbox) recordStop(done, step.key, uid, *obs);
      publishWaiting(step, plan);
      return {};
    }
    if (r && a.kind == ActionKind::EnsureSandbox) {
      auto ready = networkReady(*desired, step.key);
      if (!ready) return fail(ready.error());
      networkWaits = !*ready;
    }
    if (r && a.kind == ActionKind::RemoveSandbox) return {};  // the pod's state went with it
    if (!r && r.error().code != ESRCH)  // ESRCH: it exited on its own meanwhile
      return fail(r.error());
  }
  if (obs) recordStop(plan, step.key, uid, *obs);
  publishWaiting(step, plan);
  if (plan.actions.empty() || deferring()) return {};
  return refreshObserved(uid);
}

// A fresh pod's sandbox, its containers and their restarts go to the runtime as one job, as
// the kubelet's SyncPod makes the sandbox and starts the containers in one pass: one hop
// between loop and worker per pod instead of one per step. Not past a sandbox whose network
// must be set up first (CNI ADD, with the sandbox's net namespace), nor past a container with
// a postStart hook (the next waits for the hook).
bool Reconciler::chainsAfter(const Step& step, const Action& a) const {
  if (!step.desired) return false;
  switch (a.kind) {
    case ActionKind::EnsureSandbox:
      return !network_ || network_->readyAtOnce(*step.desired);
    case ActionKind::StartContainer: {
      const auto* c = manifests::findContainer(step.desired->pod.spec, a.container);
      return c && (!c->lifecycle || !c->lifecycle->postStart);
    }
    default:
      return false;
  }
}

Result<void> Reconciler::runAction(const Step& step, const Action& a) {
  switch (a.kind) {
    case ActionKind::EnsureSandbox:
      return ensureSandbox(*step.desired, step.key);
    case ActionKind::DiscardContainer:
      return discardContainer(step, a.container);
    case ActionKind::StartContainer:
      return startContainer(*step.desired, a.container, a.restartCount);
    case ActionKind::RemoveContainer:
      return removeExited(step, a.container);
    case ActionKind::StopContainer:
      return stopContainer(step, a.container);
    case ActionKind::KillContainer:
      return killContainer(step, a.container);
    case ActionKind::RemoveSandbox:
      return removeSandbox(step);
    case ActionKind::ReleaseSandbox:
      return releaseSandbox(step);
  }
  return failMsg(std::string("unknown action ") + toString(a.kind));
}

Result<void> Reconciler::discardContainer(const Step& step, const std::string& container) {
  spdlog::warn("pod {}: container {} was never started (agent stopped mid-start); again", step.key,
               container);
  if (auto* pod = podState(step.uid)) pod->sandboxFresh = false;
  return offLoop(
      "",
      [&rt = runtime_, uid = step.uid, container] { return rt.removeContainer(uid, container); },
      [](Result<void> r) { return r; }, false);
}

// An exited instance goes before its restart: it becomes the container's lastState, the
// crash back-off counts it, and the restart metric moves.
Result<void> Reconciler::removeExited(const Step& step, const std::string& container) {
  auto exit = exitOf(step.observed, container);
  if (auto* pod = podState(step.uid)) pod->sandboxFresh = false;  // a restart ensures it again
  std::optional<std::pair<manifests::ObjectMeta, std::string>> wanted;  // metadata, spec hash
  if (step.desired) wanted.emplace(step.desired->pod.metadata, step.desired->specHash);
  return offLoop(
      "",
      [&rt = runtime_, uid = step.uid, container] { return rt.removeContainer(uid, container); },
      [this, uid = step.uid, key = step.key, container, exit,
       wanted = std::move(wanted)](Result<void> r) -> Result<void> {
        if (!r) return r;
        if (exit) status_.noteTerminated(uid, container, *exit);
        if (!wanted) return {};
        const auto& [meta, specHash] = *wanted;
        backoff_.recordRestart(backoffKey(uid, container, specHash),
                               exit ? exit->finishedAtNs : clock_.nowNs());
        spdlog::info("pod {}: restarting container {} (exit code {})", key, container,
                     exit ? exit->exitCode : -1);
        if (hooks_.containerRestarted)
          hooks_.containerRestarted(meta.namespace_, meta.name, container);
        return {};
      },
      false);
}

Result<void> Reconciler::stopContainer(const Step& step, const std::string& container) {
  spdlog::info("pod {}: stopping container {} (stop signal, grace {}s)", step.key, container,
               step.observed ? stopGraceSeconds(step.uid, *step.observed) : 0);
  event(step.key, "Normal", "Killing", "Stopping container " + container, container);
  return stopGracefully(step.key, step.uid, container);
}

Result<void> Reconciler::killContainer(const Step& step, const std::string& container) {
  if (stopper_->stopping(step.uid, container))  // its grace may outlast the pod's deadline
    return stopGracefully(step.key, step.uid, container);
  spdlog::warn("pod {}: killing container {} (SIGKILL)", step.key, container);
  event(step.key, "Normal", "Killing", "Killing container " + container + " (SIGKILL)", container);
  return offLoop(
      "", [&rt = runtime_, uid = step.uid, container] { return rt.killContainer(uid, container); },
      [](Result<void> r) { return r; }, false);
}

// A removed sandbox takes everything known of it along; a pod no longer desired also loses
// its events and its metrics.
Result<void> Reconciler::removeSandbox(const Step& step) {
  if (network_) {  // DEL first, while the net namespace is still pinned
    auto released = network_->released(step.uid, step.key);
    if (!released) return fail(released.error());
    if (!*released) return {};  // the key is queued again when DEL ends
  }
  std::optional<std::pair<std::string, std::string>> gone;  // namespace, name: not desired
  if (!step.desired && step.observed) gone.emplace(step.observed->namespace_, step.observed->name);
  return offLoop(
      "", [&rt = runtime_, uid = step.uid] { return rt.removeSandbox(uid); },
      [this, uid = step.uid, key = step.key, wanted = step.desired != nullptr,
       gone = std::move(gone)](Result<void> r) -> Result<void> {
        if (!r) return r;
        spdlog::info("pod {}: removed (uid {})", key, uid);
        if (!wanted) {
          status_.forgetPod(key);
          if (hooks_.podRemoved && gone) hooks_.podRemoved(gone->first, gone->second);
        }
        forgetSandbox(uid);  // a Step's observed dangles from here on
        return {};
      },
      true);
}

// A pod stopped for good frees what it holds; it stays known (Failed, its containers' last
// states, its logs) until its manifest goes or changes. Its network goes first, while the
// net namespace is still pinned.
Result<void> Reconciler::releaseSandbox(const Step& step) {
  if (network_) {
    auto released = network_->released(step.uid, step.key);
    if (!released) return fail(released.error());
    if (!*released) return {};  // the key is queued again when DEL ends
  }
  return offLoop(
      "", [&rt = runtime_, uid = step.uid] { return rt.releaseSandbox(uid); },
      [key = step.key](Result<void> r) -> Result<void> {
        if (!r) return fail(r.error().context("pod " + key + ": release"));
        spdlog::info("pod {}: stopped for good: volumes, writable layers and sandbox freed", key);
        return {};
      },
      true);
}

// The plan's waiting containers become the pod's waiting reasons; one that starts waiting
// gets the kubelet's BackOff event.
void Reconciler::publishWaiting(const Step& step, const Plan& plan) {
  std::map<std::string, std::string> waiting = plan.waiting;
  if (const PodState* pod = podState(step.uid))
    for (const auto& [container, reason] : pod->imageWaiting)
      waiting.try_emplace(container, reason);
  if (step.desired) {
    auto was = status_.waiting().find(step.uid);
    const auto& meta = step.desired->pod.metadata;
    for (const auto& [container, reason] : plan.waiting)
      if (was == status_.waiting().end() || !was->second.contains(container))
        event(step.key, "Warning", "BackOff",
              "Back-off restarting failed container " + container + " in pod " + meta.name + "_" +
                  meta.namespace_ + "(" + step.uid + ")",
              container);
  }
  status_.setWaiting(step.uid, std::move(waiting));
}

}  // namespace podkeeper::reconciler
