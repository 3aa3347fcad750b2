#include "reconciler/reconciler.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include "manifests/identity.h"
#include "reconciler/support.h"

namespace podkeeper::reconciler {
namespace {

bool sameDesired(const manifests::DecodedPod& a, const manifests::DecodedPod& b) {
  return a.uid == b.uid && a.specHash == b.specHash && a.pod.metadata == b.pod.metadata;
}

std::string keyOf(const runtime::SandboxState& s) {
  return manifests::podKey(s.namespace_, s.name);
}

}  // namespace

const manifests::AdmitResult* Reconciler::refusal(const std::string& key) const {
  auto it = refused_.find(key);
  return it == refused_.end() ? nullptr : &it->second;
}

Reconciler::Reconciler(runtime::ContainerRuntime& runtime, runtime::ImageService& images,
                       const Clock& clock, NodePaths paths, ReconcileHooks hooks,
                       probe::HandlerRunner* handlers)
    : runtime_(runtime),
      images_(images),
      clock_(clock),
      paths_(std::move(paths)),
      hooks_(std::move(hooks)),
      handlers_(handlers) {
  initProbesAndHooks();
}

Reconciler::~Reconciler() = default;

std::vector<std::string> Reconciler::setDesired(std::map<std::string, manifests::DecodedPod> pods) {
  std::vector<std::string> changed;
  for (const auto& [key, pod] : pods) {
    auto old = desired_.find(key);
    if (old == desired_.end() || !sameDesired(old->second, pod)) changed.push_back(key);
    if (old == desired_.end() || old->second.specHash != pod.specHash) {
      desiredSinceNs_[key] = clock_.nowNs();
      startedByUs_.erase(key);
    }
  }
  for (const auto& [key, pod] : desired_) {
    if (!pods.contains(key)) {
      changed.push_back(key);
      desiredSinceNs_.erase(key);
    }
  }
  desired_ = std::move(pods);
  refused_.clear();
  for (const auto& [key, pod] : desired_)
    if (auto verdict = manifests::admit(pod.pod, paths_.admission); !verdict.admitted())
      refused_[key] = std::move(verdict);
  return changed;
}

Result<void> Reconciler::observeAll() {
  auto all = runtime_.list();
  if (!all) return fail(all.error().context("reading the state directory"));
  observed_.clear();
  for (auto& s : *all) observed_[s.uid] = std::move(s);
  return {};
}

std::vector<std::string> Reconciler::keys() const {
  std::set<std::string> keys;
  for (const auto& [key, pod] : desired_) keys.insert(key);
  for (const auto& [uid, s] : observed_) keys.insert(keyOf(s));
  return {keys.begin(), keys.end()};
}

std::vector<std::string> Reconciler::observedUidsFor(const std::string& key) const {
  std::vector<std::string> uids;
  for (const auto& [uid, s] : observed_)
    if (keyOf(s) == key) uids.push_back(uid);
  return uids;
}

Result<void> Reconciler::refreshObserved(const std::string& uid) {
  auto state = runtime_.inspect(uid);
  if (!state) return fail(state.error());
  if (*state)
    observed_[uid] = std::move(**state);
  else
    observed_.erase(uid);
  return {};
}

Result<Reconciler::Outcome> Reconciler::reconcile(const std::string& key) {
  Result<Outcome> result;
  // The last resort: a throw anywhere below fails this pod's reconcile (retried with
  // back-off, reported on the pod), never the agent that runs every other pod.
  try {
    result = reconcileKey(key);
  } catch (const std::exception& e) {
    const std::string why = std::string("internal error: ") + e.what();
    event(key, "Warning", "FailedSync", "Error syncing pod: " + why);
    result = failMsg("pod " + key + ": " + why);
  }
  if (result)
    lastErrors_.erase(key);
  else
    lastErrors_[key] = result.error().message;
  return result;
}

Result<Reconciler::Outcome> Reconciler::reconcileKey(const std::string& key) {
  auto want = desired_.find(key);
  const manifests::DecodedPod* desired = want == desired_.end() ? nullptr : &want->second;
  if (desired) {
    // Refused before anything is touched: what runs under an accepted spec stays.
    if (const auto* refused = refusal(key)) {
      if (refusedHash_[key] != desired->specHash) {
        refusedHash_[key] = desired->specHash;
        spdlog::error("pod {}: rejected at admission ({}): {}", key, refused->reason(),
                      refused->message());
        event(key, "Warning", refused->reason(), refused->message());
      }
      return Outcome{};  // final until the manifest changes: nothing to retry
    }
    auto problems = handlers_ ? std::vector<std::string>{} : needsHandlers(desired->pod);
    if (!problems.empty()) {
      std::string all;
      for (const auto& p : problems) all += (all.empty() ? "" : "; ") + p;
      if (refusedHash_[key] != desired->specHash) {
        refusedHash_[key] = desired->specHash;
        event(key, "Warning", "FailedValidation", all);
      }
      return failMsg("pod " + key + " not started: " + all);
    }
    refusedHash_.erase(key);
  }

  std::vector<std::string> uids = observedUidsFor(key);
  if (desired && std::find(uids.begin(), uids.end(), desired->uid) == uids.end())
    uids.push_back(desired->uid);
  for (const auto& uid : uids)
    if (auto r = refreshObserved(uid); !r) return fail(r.error().context("pod " + key));

  Outcome out;
  auto merge = [&](const Plan& p) {
    if (p.requeueAtNs && (!out.requeueAtNs || *p.requeueAtNs < *out.requeueAtNs))
      out.requeueAtNs = p.requeueAtNs;
  };
  // A sandbox of this name under another uid (the manifest moved) goes before the new one
  // starts: never two pods of one name at once.
  bool othersLeft = false;
  for (const auto& uid : uids) {
    if (!observed_.contains(uid) || (desired && uid == desired->uid)) continue;
    auto plan = reconcileSandbox(nullptr, uid);
    if (!plan) return fail(plan.error().context("pod " + key));
    merge(*plan);
    othersLeft = othersLeft || observed_.contains(uid);
  }
  if (desired && !othersLeft) {
    bool existed = observed_.contains(desired->uid);
    auto plan = reconcileSandbox(desired, desired->uid);
    if (!plan) return fail(plan.error().context("pod " + key));
    merge(*plan);
    if (existed && !observed_.contains(desired->uid)) out.requeueAtNs = clock_.nowNs();
    if (auto r = refreshDownwardAPI(*desired); !r) return fail(r.error().context("pod " + key));
    noteStarted(*desired);
  }
  return out;
}

Result<Plan> Reconciler::reconcileSandbox(const manifests::DecodedPod* desired,
                                          const std::string& uid) {
  auto obs = observed_.find(uid);
  PlanInput in;
  in.desired = desired;
  in.observed = obs == observed_.end() ? nullptr : &obs->second;
  // The stop in progress: this agent's, or one an agent before it began (read from disk).
  auto& stop = workers_[uid].stop;
  if (!stop && in.observed && in.observed->stop) stop = in.observed->stop;
  if (stop) {
    in.killDeadlineNs = stop->killDeadlineNs;
    in.signalled = stop->signalled;
  }
  in.backoff = &backoff_;
  auto stops = driveContainerStops(desired, uid);
  if (!stops) return fail(stops.error());
  in.nowNs = clock_.nowNs();
  const status::ProbeStatus probed = probeStatus(uid);  // sidecars with a startup probe gate on it
  in.startupProbeSucceeded = &probed.started;
  if (auto used = storageUsage_.find(uid);
      desired && used != storageUsage_.end() && used->second.specHash == desired->specHash)
    in.evictionMessage = storageEvictionMessage(desired->pod.spec, used->second);
  Plan plan = planPod(in);
  if (*stops && (!plan.requeueAtNs || **stops < *plan.requeueAtNs)) plan.requeueAtNs = *stops;
  if (auto r = execute(plan, desired, uid); !r) return fail(r.error());
  syncProbes(desired, uid);
  return plan;
}

Result<void> Reconciler::execute(const Plan& plan, const manifests::DecodedPod* desired,
                                 const std::string& uid) {
  const runtime::SandboxState* obs = observed_.contains(uid) ? &observed_.at(uid) : nullptr;
  std::string key =
      desired ? manifests::podKey(desired->pod.metadata.namespace_, desired->pod.metadata.name)
              : (obs ? keyOf(*obs) : uid);
  auto exitOf = [&](const std::string& name) -> std::optional<runtime::ExitRecord> {
    if (obs)
      for (const auto& c : obs->containers)
        if (c.name == name) return c.exit;
    return std::nullopt;
  };

  for (const auto& a : plan.actions) {
    Result<void> r;
    // A postStart hook of the pod is running: its later containers wait, as in the kubelet.
    const bool held =
        (a.kind == ActionKind::StartContainer || a.kind == ActionKind::RemoveContainer) &&
        postStartHolds(uid);
    if (held) continue;
    switch (a.kind) {
      case ActionKind::EnsureSandbox:
        r = ensureSandbox(*desired, key);
        break;
      case ActionKind::DiscardContainer:
        spdlog::warn("pod {}: container {} was never started (agent stopped mid-start); again", key,
                     a.container);
        r = runtime_.removeContainer(uid, a.container);
        break;
      case ActionKind::StartContainer:
        r = startContainer(*desired, a.container, a.restartCount);
        break;
      case ActionKind::RemoveContainer: {
        auto exit = exitOf(a.container);
        r = runtime_.removeContainer(uid, a.container);
        if (r && exit) lastTerminated_[uid][a.container] = *exit;
        if (r && desired) {
          backoff_.recordRestart(backoffKey(uid, a.container, desired->specHash),
                                 exit ? exit->finishedAtNs : clock_.nowNs());
          spdlog::info("pod {}: restarting container {} (exit code {})", key, a.container,
                       exit ? exit->exitCode : -1);
          if (hooks_.containerRestarted)
            hooks_.containerRestarted(desired->pod.metadata.namespace_, desired->pod.metadata.name,
                                      a.container);
        }
        break;
      }
      case ActionKind::StopContainer:
        spdlog::info("pod {}: stopping container {} (SIGTERM, grace {}s)", key, a.container,
                     obs ? obs->terminationGracePeriodSeconds : 0);
        event(key, "Normal", "Killing", "Stopping container " + a.container, a.container);
        r = stopGracefully(key, uid, a.container);
        break;
      case ActionKind::KillContainer:
        if (stopper_->stopping(uid, a.container)) {  // its grace may outlast the pod's deadline
          r = stopGracefully(key, uid, a.container);
          break;
        }
        spdlog::warn("pod {}: killing container {} (SIGKILL)", key, a.container);
        event(key, "Normal", "Killing", "Killing container " + a.container + " (SIGKILL)",
              a.container);
        r = runtime_.killContainer(uid, a.container);
        break;
      case ActionKind::RemoveSandbox:
        r = runtime_.removeSandbox(uid);
        if (r) {
          spdlog::info("pod {}: removed (uid {})", key, uid);
          if (!desired) {
            events_.forget(key);
            if (hooks_.podRemoved && obs) hooks_.podRemoved(obs->namespace_, obs->name);
          }
          observed_.erase(uid);  // obs dangles from here on
          downwardWritten_.erase(uid);
          workers_.erase(uid);
          forgetSandbox(uid);
          waiting_.erase(uid);
          lastTerminated_.erase(uid);
          return {};
        }
        break;
    }
    if (!r && r.error().code != ESRCH)  // ESRCH: it exited on its own meanwhile
      return fail(r.error());
  }
  if (obs) recordStop(plan, key, uid, *obs);
  for (const auto& [container, reason] : plan.waiting)
    if (desired && !waiting_[uid].contains(container))
      event(key, "Warning", "BackOff",
            "Back-off restarting failed container " + container + " in pod " +
                desired->pod.metadata.name + "_" + desired->pod.metadata.namespace_ + "(" + uid +
                ")",
            container);
  if (plan.waiting.empty())
    waiting_.erase(uid);
  else
    waiting_[uid] = plan.waiting;
  if (plan.actions.empty()) return {};
  return refreshObserved(uid);
}

Result<void> Reconciler::startContainer(const manifests::DecodedPod& pod, const std::string& name,
                                        int restartCount) {
  const manifests::Container* it = nullptr;
  for (const auto* list : {&pod.pod.spec.initContainers, &pod.pod.spec.containers})
    for (const auto& c : *list)
      if (c.name == name) it = &c;
  std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  // Resolved once per start; the spec carries it to the runtime. An image not on the node is
  // the kubelet's ErrImageNeverPull (nothing is pulled); one there but unreadable, Failed.
  auto image = images_.resolve(it->image);
  if (!image) {
    const char* reason = image.error().code == ENOENT ? "ErrImageNeverPull" : "Failed";
    event(key, "Warning", reason, image.error().message, name);
    return fail(image.error().context("pod " + key + " container " + name));
  }
  auto spec = containerSpec(pod, *it, paths_, restartCount, *image);
  if (!spec) {
    event(key, "Warning", "Failed", "Error: " + spec.error().message, name);
    return fail(spec.error());
  }
  auto started = runtime_.startContainer(*spec);
  if (!started) {
    event(key, "Warning", "Failed", "Error: " + started.error().message, name);
    return fail(started.error().context("pod " + key + " container " + name));
  }
  startedByUs_.insert(key);
  event(key, "Normal", "Created", "Created container " + name, name);
  event(key, "Normal", "Started", "Started container " + name, name);
  startPostStart(pod, *it, *started);
  return {};
}

// Remembers, here and on disk, what a stopping plan did: the grace period it started, whom it
// sent SIGTERM, and why the pod stops (an agent restarted meanwhile carries on from there).
void Reconciler::recordStop(const Plan& plan, const std::string& key, const std::string& uid,
                            const runtime::SandboxState& obs) {
  auto& stop = workers_[uid].stop;
  std::optional<runtime::StopRecord> next = stop;
  if (!next && (plan.startsGracePeriod || !plan.stopReason.empty())) {
    next = runtime::StopRecord{};
    next->killDeadlineNs = nsAfter(clock_.nowNs(), obs.terminationGracePeriodSeconds);
  }
  if (!next) return;
  for (const auto& a : plan.actions)
    if (a.kind == ActionKind::StopContainer &&
        std::find(next->signalled.begin(), next->signalled.end(), a.container) ==
            next->signalled.end())
      next->signalled.push_back(a.container);
  if (!plan.stopReason.empty() && next->reason != plan.stopReason) {
    next->reason = plan.stopReason;
    next->message = plan.stopMessage;
    spdlog::warn("pod {}: {}: {}; stopping it", key, plan.stopReason, plan.stopMessage);
    event(key, plan.stopReason == kEvictedReason ? "Warning" : "Normal", plan.stopReason,
          plan.stopMessage);
  }
  if (next == stop) return;
  stop = next;
  if (auto r = runtime_.recordStop(uid, *stop); !r)
    spdlog::warn("pod {}: recording its stop: {}", key, r.error().message);
}

void Reconciler::noteStarted(const manifests::DecodedPod& pod) {
  std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  auto since = desiredSinceNs_.find(key);
  auto obs = observed_.find(pod.uid);
  if (since == desiredSinceNs_.end() || obs == observed_.end()) return;
  for (const auto& want : pod.pod.spec.containers) {
    bool up = std::any_of(obs->second.containers.begin(), obs->second.containers.end(),
                          [&](const auto& c) { return c.name == want.name && c.running; });
    if (!up) return;
  }
  double seconds = double(clock_.nowNs() - since->second) / kNsPerSec;
  desiredSinceNs_.erase(since);
  if (!startedByUs_.erase(key)) return;  // adopted from an earlier run: not a start
  spdlog::info("pod {}: all containers running ({:.3f}s after the manifest was seen)", key,
               seconds);
  if (hooks_.podStarted) hooks_.podStarted(seconds);
}

void Reconciler::event(const std::string& key, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& container) {
  events_.record(key, status::PodEvent{clock_.nowNs(), 0, 1, type, reason, message, container});
}

}  // namespace podkeeper::reconciler
