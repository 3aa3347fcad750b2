// The Reconciler's probes and lifecycle hooks: what it asks of ProbeManager, PostStartHooks
// and ContainerStopper during a reconcile. All of it is state on the loop; nothing here blocks.
#include <spdlog/spdlog.h>

#include "manifests/identity.h"
#include "probe/handler_specs.h"
#include "reconciler/reconciler.h"

namespace podkeeper::reconciler {
namespace {

const runtime::ContainerState* runningInstance(const runtime::SandboxState* obs,
                                               const std::string& name, int64_t startedAtNs) {
  if (obs)
    for (const auto& c : obs->containers)
      if (c.name == name && c.running && c.startedAtNs == startedAtNs) return &c;
  return nullptr;
}

}  // namespace

void Reconciler::initProbesAndHooks() {
  auto requeue = [this](const std::string& key) {
    if (hooks_.requeue) hooks_.requeue(key);
  };
  auto recordEvent = [this](const std::string& key, const std::string& type,
                            const std::string& reason, const std::string& message,
                            const std::string& container) {
    event(key, type, reason, message, container);
  };
  stopper_ = std::make_unique<ContainerStopper>(runtime_, handlers_, clock_, requeue, recordEvent);
  if (!handlers_) return;
  postStart_ = std::make_unique<probe::PostStartHooks>(*handlers_, requeue, recordEvent);
  probe::ProbeManager::Hooks probeHooks;
  probeHooks.requeue = requeue;
  probeHooks.event = recordEvent;
  probeHooks.result = [this](const std::string& ns, const std::string& pod,
                             const std::string& container, const std::string& type,
                             const std::string& result) {
    if (hooks_.probeResult) hooks_.probeResult(ns, pod, container, type, result);
  };
  probeHooks.scheduleChanged = [this] {
    if (hooks_.probeScheduleChanged) hooks_.probeScheduleChanged();
  };
  probes_ = std::make_unique<probe::ProbeManager>(*handlers_, clock_, paths_.hostIP, probeHooks);
}

const manifests::DecodedPod* Reconciler::acceptedSpec(const std::string& uid) const {
  const auto* pod = podState(uid);
  return pod && pod->accepted ? &*pod->accepted : nullptr;
}

StopRequest Reconciler::stopRequest(const std::string& key, const std::string& uid,
                                    const runtime::ContainerState& c, int64_t graceSeconds) const {
  StopRequest r{key, uid, c.name, c.startedAtNs, std::nullopt, graceSeconds, c.stopSignal};
  const auto* spec = acceptedSpec(uid);
  const auto* container = spec ? manifests::findContainer(spec->pod.spec, c.name) : nullptr;
  if (container && container->lifecycle && container->lifecycle->preStop)
    r.preStop = probe::lifecycleHandlerSpec(*container->lifecycle->preStop, *container, *spec,
                                            paths_.hostIP, timeoutMsFromSeconds(graceSeconds));
  return r;
}

Result<void> Reconciler::stopGracefully(const std::string& key, const std::string& uid,
                                        const std::string& container) {
  const auto* obs = observed(uid);
  if (!obs) return {};
  for (const auto& c : obs->containers) {
    if (c.name != container || !c.running) continue;
    auto r = stopper_->drive(stopRequest(key, uid, c, stopGraceSeconds(uid, *obs)));
    if (!r) return fail(r.error());
  }
  return {};
}

Result<std::optional<int64_t>> Reconciler::driveContainerStops(const manifests::DecodedPod* desired,
                                                               const std::string& uid) {
  const runtime::SandboxState* obs = observed(uid);
  if (desired && (!obs || obs->specHash == desired->specHash)) {
    auto& accepted = pods_[uid].accepted;
    if (!accepted || accepted->specHash != desired->specHash)
      accepted = *desired;  // the spec preStop hooks come from once it is gone
  }
  for (const auto& stop : stopper_->underway(uid))
    if (!runningInstance(obs, stop.container, stop.containerStartedAtNs))
      stopper_->forget(uid, stop.container);
  if (postStart_) postStart_->sync(uid, obs);
  if (!obs) return std::optional<int64_t>();

  // Restarts the pod's own probes and postStart hooks ask for (the pod itself stays).
  if (desired && obs->specHash == desired->specHash) {
    const std::string key =
        manifests::podKey(desired->pod.metadata.namespace_, desired->pod.metadata.name);
    for (const auto& c : obs->containers) {
      if (!c.running || stopper_->stopping(uid, c.name)) continue;
      int64_t grace = obs->terminationGracePeriodSeconds;
      std::string why;
      if (auto f = probes_ ? probes_->failure(uid, c.name) : std::nullopt) {
        why = "Container " + c.name + " failed " + toString(f->type) + " probe, will be restarted";
        grace = f->terminationGracePeriodSeconds.value_or(grace);
      } else if (postStart_ && postStart_->failed(uid, c.name, c.startedAtNs)) {
        why = "FailedPostStartHook";
      } else {
        continue;
      }
      spdlog::info("pod {}: stopping container {}: {} (grace {}s)", key, c.name, why, grace);
      event(key, "Normal", "Killing", why, c.name);
      if (auto r = stopper_->drive(stopRequest(key, uid, c, grace)); !r) return fail(r.error());
    }
  }
  std::optional<int64_t> next;
  for (const auto& stop : stopper_->underway(uid)) {
    auto at = stopper_->drive(stop);
    if (!at) return fail(at.error());
    if (!next || *at < *next) next = *at;
  }
  return next;
}

void Reconciler::startPostStart(const manifests::DecodedPod& pod, const manifests::Container& c,
                                const runtime::ContainerState& started) {
  if (!postStart_ || !c.lifecycle || !c.lifecycle->postStart) return;
  const std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  spdlog::info("pod {}: container {}: running its postStart hook ({})", key, c.name,
               c.lifecycle->postStart->exec      ? "exec"
               : c.lifecycle->postStart->httpGet ? "httpGet"
               : c.lifecycle->postStart->sleep   ? "sleep"
                                                 : "tcpSocket, which is not run");
  postStart_->start(key, c.name, started.startedAtNs,
                    probe::lifecycleHandlerSpec(*c.lifecycle->postStart, c, pod, paths_.hostIP, 0));
}

bool Reconciler::postStartHolds(const std::string& uid) const {
  return postStart_ && postStart_->inFlight(uid);
}

void Reconciler::syncProbes(const manifests::DecodedPod* desired, const std::string& uid) {
  if (!probes_) return;
  const auto* obs = observed(uid);
  // Only the pod's accepted spec is probed; a pod being stopped or replaced is not.
  if (!obs || !desired || obs->specHash != desired->specHash) {
    probes_->forget(uid);
    return;
  }
  probes_->sync(*desired, *obs, [&](const std::string& name) {
    return !postStart_->running(uid, name) && !stopper_->stopping(uid, name);
  });
}

void Reconciler::forgetSandbox(const std::string& uid) {
  if (probes_) probes_->forget(uid);
  if (const PodState* pod = podState(uid); pulls_ && pod && pod->observed)
    pulls_->forget(manifests::podKey(pod->observed->namespace_, pod->observed->name));
  if (postStart_) postStart_->sync(uid, nullptr);
  stopper_->forgetPod(uid);
  pods_.erase(uid);
  status_.forgetSandbox(uid);
}

std::optional<int64_t> Reconciler::probeDueNs() const {
  return probes_ ? probes_->nextDueNs() : std::nullopt;
}

void Reconciler::runDueProbes() {
  if (probes_) probes_->runDue();
}

status::ProbeStatus Reconciler::probeStatus(const std::string& uid) const {
  status::ProbeStatus out;
  const auto* obs = observed(uid);
  const auto* spec = acceptedSpec(uid);
  if (!obs || !spec) return out;
  for (const auto& c : obs->containers) {
    const auto* want = manifests::findContainer(spec->pod.spec, c.name);
    if (!c.running || !want) continue;
    const bool hooked =
        (postStart_ && postStart_->running(uid, c.name)) || stopper_->stopping(uid, c.name);
    const bool probed = want->readinessProbe || want->startupProbe;
    auto ready = probes_ ? probes_->ready(uid, c.name) : std::nullopt;
    auto started = probes_ ? probes_->started(uid, c.name) : std::nullopt;
    out.ready[c.name] = !hooked && (probed ? ready.value_or(false) : true);
    out.started[c.name] = want->startupProbe ? started.value_or(false) : true;
    if (auto t = probes_ ? probes_->readinessChangedNs(uid, c.name) : std::nullopt)
      out.readinessChangedNs[c.name] = *t;
  }
  return out;
}

}  // namespace podkeeper::reconciler
