#include "reconciler/reconciler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <set>
#include <utility>

#include "manifests/env_file.h"
#include "manifests/identity.h"
#include "reconciler/env_files.h"
#include "reconciler/support.h"
#include "runtime/sys/small_file.h"

namespace podkeeper::reconciler {
namespace {

bool sameDesired(const manifests::DecodedPod& a, const manifests::DecodedPod& b) {
  return a.uid == b.uid && a.specHash == b.specHash && a.pod.metadata == b.pod.metadata;
}

std::string keyOf(const runtime::SandboxState& s) {
  return manifests::podKey(s.namespace_, s.name);
}

}  // namespace

Reconciler::Reconciler(runtime::ContainerRuntime& runtime, runtime::ImageService& images,
                       const Clock& clock, NodePaths paths, ReconcileHooks hooks,
                       probe::HandlerRunner* handlers, ImagePullSource* pulls)
    : runtime_(runtime),
      images_(images),
      clock_(clock),
      paths_(std::move(paths)),
      hooks_(std::move(hooks)),
      handlers_(handlers),
      pullSource_(pulls) {
  initProbesAndHooks();
  initImagePulls();
  status_.setProbeSource([this](const std::string& uid) { return probeStatus(uid); });
}

Reconciler::~Reconciler() = default;

std::vector<std::string> Reconciler::setDesired(std::map<std::string, manifests::DecodedPod> pods) {
  std::map<std::string, manifests::SharedPod> shared;
  for (auto& [key, pod] : pods)
    shared.emplace(key, std::make_shared<const manifests::DecodedPod>(std::move(pod)));
  return setDesired(std::move(shared));
}

std::vector<std::string> Reconciler::setDesired(std::map<std::string, manifests::SharedPod> pods) {
  std::vector<std::string> changed;
  for (const auto& [key, shared] : pods) {
    if (auto was = desiredFrom_.find(key); was != desiredFrom_.end() && was->second == shared)
      continue;
    const manifests::DecodedPod& pod = *shared;
    auto old = desired_.find(key);
    if (old == desired_.end() || !sameDesired(old->second, pod)) changed.push_back(key);
    if (old == desired_.end() || old->second.specHash != pod.specHash) {
      auto& since = keyStates_[key];
      since.desiredSinceNs = clock_.nowNs();
      since.startedByUs = false;
    }
    if (old == desired_.end())
      desired_.emplace(key, pod);
    else
      old->second = pod;
  }
  for (auto it = desired_.begin(); it != desired_.end();) {
    if (pods.contains(it->first)) {
      ++it;
      continue;
    }
    changed.push_back(it->first);
    if (auto gone = keyStates_.find(it->first); gone != keyStates_.end())
      gone->second.desiredSinceNs.reset();
    it = desired_.erase(it);
  }
  desiredFrom_ = std::move(pods);
  // A key with nothing left to remember goes; an empty entry and none mean the same.
  std::erase_if(keyStates_, [](const auto& entry) { return entry.second.empty(); });
  // Running pods keep what they hold (the kubelet admits in creation order): they count first.
  std::vector<std::string> order;
  for (const auto& [key, pod] : desired_)
    if (observed(pod.uid)) order.push_back(key);
  for (const auto& [key, pod] : desired_)
    if (!observed(pod.uid)) order.push_back(key);
  std::vector<const manifests::Pod*> inOrder;
  for (const auto& key : order) inOrder.push_back(&desired_.at(key).pod);
  auto verdicts = manifests::admitAll(inOrder, paths_.admission);
  std::map<std::string, manifests::AdmitResult> refused;
  for (size_t i = 0; i < order.size(); ++i)
    if (!verdicts[i].admitted()) refused[order[i]] = std::move(verdicts[i]);
  admissionRefusals_ = refused;
  refusePressured(refused);
  status_.setRefusals(std::move(refused));
  return changed;
}

Result<void> Reconciler::observeAll() {
  beginListing();
  auto applied = applyObserved(runtime_.list());
  if (!applied) return fail(applied.error());
  return {};
}

void Reconciler::beginListing() { touchedWhileListing_.emplace(); }

Result<std::set<std::string>> Reconciler::applyObserved(
    Result<std::vector<runtime::SandboxState>> all) {
  const auto touchedKeys = std::exchange(touchedWhileListing_, std::nullopt);
  keptAtLastList_ = busyKeys_;
  if (touchedKeys) keptAtLastList_.insert(touchedKeys->begin(), touchedKeys->end());
  if (!all) return fail(all.error().context("reading the state directory"));
  // A pod whose runtime calls run now is left as it was: it is read again when they ended.
  // So is one looked at since the list began: what it has is newer than the list.
  const auto keep = [&](const std::string& key) {
    return busyKeys_.contains(key) || (touchedKeys && touchedKeys->contains(key));
  };
  std::set<std::string> changed;
  std::set<std::string> listed;
  for (auto& s : *all) {
    const std::string key = keyOf(s);
    if (keep(key)) continue;
    listed.insert(s.uid);
    PodState& pod = pods_[s.uid];
    if (pod.observed && *pod.observed == s) continue;
    changed.insert(key);
    if (pod.observed) changed.insert(keyOf(*pod.observed));
    pod.observed = std::move(s);
  }
  for (auto& [uid, pod] : pods_) {
    if (!pod.observed || listed.contains(uid) || keep(keyOf(*pod.observed))) continue;
    changed.insert(keyOf(*pod.observed));  // gone from the node
    pod.observed.reset();
  }
  observedByKey_.clear();
  for (const auto& [uid, pod] : pods_)
    if (pod.observed) observedByKey_[keyOf(*pod.observed)].insert(uid);
  return changed;
}

void Reconciler::setObserved(const std::string& uid, runtime::SandboxState state) {
  observedByKey_[keyOf(state)].insert(uid);
  pods_[uid].observed = std::move(state);
}

PodState* Reconciler::podState(const std::string& uid) {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second;
}

const PodState* Reconciler::podState(const std::string& uid) const {
  auto it = pods_.find(uid);
  return it == pods_.end() ? nullptr : &it->second;
}

const runtime::SandboxState* Reconciler::observed(const std::string& uid) const {
  const auto* pod = podState(uid);
  return pod && pod->observed ? &*pod->observed : nullptr;
}

std::vector<const runtime::SandboxState*> Reconciler::observedSandboxes() const {
  std::vector<const runtime::SandboxState*> out;
  for (const auto& [uid, pod] : pods_)
    if (pod.observed) out.push_back(&*pod.observed);
  return out;
}

std::vector<const runtime::SandboxState*> Reconciler::observedSandboxesOf(
    const std::string& key) const {
  std::vector<const runtime::SandboxState*> out;
  for (const auto& uid : observedUidsFor(key)) out.push_back(observed(uid));
  return out;
}

std::vector<std::string> Reconciler::keys() const {
  std::set<std::string> keys;
  for (const auto& [key, pod] : desired_) keys.insert(key);
  for (const auto& [uid, pod] : pods_)
    if (pod.observed) keys.insert(keyOf(*pod.observed));
  return {keys.begin(), keys.end()};
}

std::vector<std::string> Reconciler::observedUidsFor(const std::string& key) const {
  std::vector<std::string> uids;
  auto indexed = observedByKey_.find(key);
  if (indexed == observedByKey_.end()) return uids;
  for (const auto& uid : indexed->second)
    if (const PodState* pod = podState(uid); pod && pod->observed) uids.push_back(uid);
  return uids;
}

std::vector<std::string> Reconciler::uidsOf(const std::string& key) const {
  std::vector<std::string> uids = observedUidsFor(key);
  if (auto want = desired_.find(key);
      want != desired_.end() && std::find(uids.begin(), uids.end(), want->second.uid) == uids.end())
    uids.push_back(want->second.uid);
  return uids;
}

Result<void> Reconciler::refreshObserved(const std::string& uid) {
  return applyInspected(uid, runtime_.inspect(uid));
}

Result<void> Reconciler::applyInspected(const std::string& uid,
                                        Result<std::optional<runtime::SandboxState>> state) {
  if (!state) return fail(state.error());
  if (*state)
    setObserved(uid, std::move(**state));
  else if (auto* pod = podState(uid))
    pod->observed.reset();
  return {};
}

Result<Reconciler::Outcome> Reconciler::reconcile(const std::string& key, bool fromList) {
  Result<Outcome> result;
  // The last resort: a throw anywhere below fails this pod's reconcile (retried with
  // back-off, reported on the pod), never the agent that runs every other pod.
  touched(key);
  try {
    result = reconcileKey(key, fromList);
  } catch (const std::exception& e) {
    const std::string why = std::string("internal error: ") + e.what();
    event(key, "Warning", "FailedSync", "Error syncing pod: " + why);
    result = failMsg("pod " + key + ": " + why);
  }
  // Calls gathered before a failure still run (a kill, a removal); the failure is reported
  // now and the key is looked at again when they ended.
  if (submitOffLoop(key)) {
    if (!result) {
      spdlog::error("{}", result.error().message);
      status_.setLastError(key, result.error().message);
    }
    return Outcome{.requeueAtNs = std::nullopt, .inFlight = true};
  }
  if (result)
    status_.clearLastError(key);
  else
    status_.setLastError(key, result.error().message);
  return result;
}

Result<Reconciler::Outcome> Reconciler::reconcileKey(const std::string& key, bool fromList) {
  auto want = desired_.find(key);
  const manifests::DecodedPod* desired = want == desired_.end() ? nullptr : &want->second;
  if (desired) {
    // Refused before anything is touched: what runs under an accepted spec stays.
    if (const auto* refused = status_.refusal(key)) {
      if (auto& refusedHash = keyStates_[key].refusedHash; refusedHash != desired->specHash) {
        refusedHash = desired->specHash;
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
      if (auto& refusedHash = keyStates_[key].refusedHash; refusedHash != desired->specHash) {
        refusedHash = desired->specHash;
        event(key, "Warning", "FailedValidation", all);
      }
      return failMsg("pod " + key + " not started: " + all);
    }
    if (auto it = keyStates_.find(key); it != keyStates_.end()) it->second.refusedHash.clear();
  }

  Outcome out;
  const std::vector<std::string> uids = uidsOf(key);
  if (!fromList) {
    if (readOffLoop(key)) return out;  // planned when the read is back
    for (const auto& uid : uids)
      if (auto r = refreshObserved(uid); !r) return fail(r.error().context("pod " + key));
  }

  imageRecheckAtNs_.reset();
  auto merge = [&](const Plan& p) {
    if (p.requeueAtNs && (!out.requeueAtNs || *p.requeueAtNs < *out.requeueAtNs))
      out.requeueAtNs = p.requeueAtNs;
  };
  // A sandbox of this name under another uid (the manifest moved) goes before the new one
  // starts: never two pods of one name at once.
  bool othersLeft = false;
  for (const auto& uid : uids) {
    if (!observed(uid) || (desired && uid == desired->uid)) continue;
    auto plan = reconcileSandbox(nullptr, uid);
    if (!plan) return fail(plan.error().context("pod " + key));
    merge(*plan);
    othersLeft = othersLeft || observed(uid);
    if (passEnded_) return out;  // the rest when its calls ended
  }
  if (desired && !othersLeft) {
    const bool existed = observed(desired->uid);
    auto plan = reconcileSandbox(desired, desired->uid);
    if (!plan) return fail(plan.error().context("pod " + key));
    merge(*plan);
    if (deferring()) return out;  // its calls are still to run: the rest when they ended
    if (existed && !observed(desired->uid)) out.requeueAtNs = clock_.nowNs();
    if (auto r = refreshDownwardAPI(*desired); !r) return fail(r.error().context("pod " + key));
    noteStarted(*desired);
  }
  if (imageRecheckAtNs_ && (!out.requeueAtNs || *imageRecheckAtNs_ < *out.requeueAtNs))
    out.requeueAtNs = imageRecheckAtNs_;
  return out;
}

Result<Plan> Reconciler::reconcileSandbox(const manifests::DecodedPod* desired,
                                          const std::string& uid) {
  PodState& pod = pods_[uid];
  std::optional<int64_t> resizeRequeue;
  if (desired) {
    auto step = resizeSandbox(*desired, uid);
    if (passEnded_) return Plan{};  // applied off the loop: the rest when it ended
    desired = step.pod;
    resizeRequeue = step.requeueAtNs;
  }
  PlanInput in;
  in.desired = desired;
  in.observed = pod.observed ? &*pod.observed : nullptr;
  // The stop in progress: this agent's, or one an agent before it began (read from disk).
  auto& stop = pod.stop;
  if (!stop && in.observed && in.observed->stop) stop = in.observed->stop;
  if (stop) {
    in.killDeadlineNs = stop->killDeadlineNs;
    in.signalled = stop->signalled;
  }
  in.backoff = &backoff_;
  auto stops = driveContainerStops(desired, uid);
  if (!stops) return fail(stops.error());
  if (passEnded_) return Plan{};
  in.nowNs = clock_.nowNs();
  const status::ProbeStatus probed = probeStatus(uid);  // sidecars with a startup probe gate on it
  in.startupProbeSucceeded = &probed.started;
  if (const auto& used = pod.storageUsage; desired && used && used->specHash == desired->specHash)
    in.evictionMessage = storageEvictionMessage(desired->pod.spec, *used);
  if (pod.nodeEviction) {
    if (!in.evictionMessage) in.evictionMessage = pod.nodeEviction->message;
    in.stopGraceSeconds = pod.nodeEviction->graceSeconds;
  }
  if (network_ && desired && in.observed && in.observed->specHash == desired->specHash &&
      !in.observed->containers.empty() && !in.observed->released) {
    network_->adopt(uid, manifests::podKey(in.observed->namespace_, in.observed->name),
                    desired->pod.spec.hostNetwork);
    in.sandboxChanged = network_->broken(uid);
  }
  Plan plan = planPod(in);
  for (const auto& at : {*stops, resizeRequeue})
    if (at && (!plan.requeueAtNs || *at < *plan.requeueAtNs)) plan.requeueAtNs = at;
  if (auto r = execute(plan, desired, uid); !r) return fail(r.error());
  syncProbes(desired, uid);
  return plan;
}

Result<void> Reconciler::startContainer(const manifests::DecodedPod& pod, const std::string& name,
                                        int restartCount) {
  const manifests::Container* it = nullptr;
  for (const auto* list : {&pod.pod.spec.initContainers, &pod.pod.spec.containers})
    for (const auto& c : *list)
      if (c.name == name) it = &c;
  std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  // Resolved once per start (pulled first as the policy says); the spec carries it to the
  // runtime.
  auto image = imageForStart(key, pod.uid, *it);
  if (!image) return fail(image.error());
  if (!*image) return {};  // waiting for the image: its reason is in the pod's status
  // fileKeyRef values are read now, after the init containers that write them have run.
  auto withEnvFiles =
      resolveFileKeyRefs(*it, [&](const std::string& volume, const std::string& path) {
        const std::string dir = runtime_.volumeDir(pod.uid, volume);
        if (dir.empty()) return Result<std::string>(failSys(ENOENT, "the volume has no directory"));
        return runtime::readSmallFile(dir, path, {.maxBytes = manifests::kMaxEnvFileBytes});
      });
  if (!withEnvFiles) {
    event(key, "Warning", "Failed", "Error: " + withEnvFiles.error().message, name);
    return fail(withEnvFiles.error().context("pod " + key + " container " + name));
  }
  auto volumeImages = imageVolumesForStart(pod, key, *it);
  if (!volumeImages) return fail(volumeImages.error());
  if (!*volumeImages) return {};  // an image volume's image is not there yet
  auto spec = containerSpec(pod, *withEnvFiles, paths_, restartCount, **image);
  if (!spec) {
    event(key, "Warning", "Failed", "Error: " + spec.error().message, name);
    return fail(spec.error());
  }
  for (auto& m : spec->mounts)
    if (auto layers = (*volumeImages)->find(m.volume); layers != (*volumeImages)->end())
      m.imageLayers = layers->second;
  auto started = std::make_shared<runtime::ContainerState>();
  return offLoop(
      "container",
      [&rt = runtime_, spec = std::move(*spec), started]() -> Result<void> {
        auto s = rt.startContainer(spec);
        if (!s) return fail(s.error());
        *started = std::move(*s);
        return {};
      },
      [this, key, name, started,
       pod = std::make_shared<const manifests::DecodedPod>(pod)](Result<void> r) -> Result<void> {
        if (!r) {
          event(key, "Warning", "Failed", "Error: " + r.error().message, name);
          return fail(r.error().context("pod " + key + " container " + name));
        }
        keyStates_[key].startedByUs = true;
        event(key, "Normal", "Created", "Created container " + name, name);
        event(key, "Normal", "Started", "Started container " + name, name);
        for (const auto* list : {&pod->pod.spec.initContainers, &pod->pod.spec.containers})
          for (const auto& c : *list)
            if (c.name == name) startPostStart(*pod, c, *started);
        return {};
      },
      true);
}

// Remembers, here and on disk, what a stopping plan did: the grace period it started, whom it
// sent SIGTERM, and why the pod stops (an agent restarted meanwhile carries on from there).
void Reconciler::recordStop(const Plan& plan, const std::string& key, const std::string& uid,
                            const runtime::SandboxState& obs) {
  auto& stop = pods_[uid].stop;
  std::optional<runtime::StopRecord> next = stop;
  if (!next && (plan.startsGracePeriod || !plan.stopReason.empty())) {
    next = runtime::StopRecord{};
    next->killDeadlineNs = nsAfter(clock_.nowNs(), stopGraceSeconds(uid, obs));
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
  // Written (and synced) on the pod's worker, ahead of the calls this reconcile gathered (a
  // kill, a removal): an agent started after a crash keeps this deadline. Its stop signals go
  // first (a record read after a crash says they were sent). Two fsyncs on the loop would
  // stall every other pod.
  offLoopFirst([&rt = runtime_, uid, record = *stop] { return rt.recordStop(uid, record); },
               [key](Result<void> r) -> Result<void> {
                 if (!r) spdlog::warn("pod {}: recording its stop: {}", key, r.error().message);
                 return {};
               });
}

void Reconciler::noteStarted(const manifests::DecodedPod& pod) {
  std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  auto since = keyStates_.find(key);
  const auto* obs = observed(pod.uid);
  if (since == keyStates_.end() || !since->second.desiredSinceNs || !obs) return;
  for (const auto& want : pod.pod.spec.containers) {
    bool up = std::any_of(obs->containers.begin(), obs->containers.end(),
                          [&](const auto& c) { return c.name == want.name && c.running; });
    if (!up) return;
  }
  double seconds = double(clock_.nowNs() - *since->second.desiredSinceNs) / kNsPerSec;
  since->second.desiredSinceNs.reset();
  const bool startedByUs = std::exchange(since->second.startedByUs, false);
  if (!startedByUs) return;  // adopted from an earlier run: not a start
  spdlog::info("pod {}: all containers running ({:.3f}s after the manifest was seen)", key,
               seconds);
  if (hooks_.podStarted) hooks_.podStarted(seconds);
}

void Reconciler::event(const std::string& key, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& container) {
  status_.recordEvent(key,
                      status::PodEvent{clock_.nowNs(), 0, 1, type, reason, message, container});
}

}  // namespace podkeeper::reconciler
