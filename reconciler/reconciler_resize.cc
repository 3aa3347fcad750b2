#include <spdlog/spdlog.h>

#include <memory>

#include "manifests/identity.h"
#include "manifests/resource_allocation.h"
#include "reconciler/pod_resize.h"
#include "reconciler/pod_resources.h"
#include "reconciler/reconciler.h"

// In-place resize (KEP-1287): a manifest edit that changes only the cpu and memory of
// containers is applied to the running pod's cgroups, not by recreating it. runningPod
// (pod_resize.h) decides; this carries it out off the loop and reports it.
namespace podkeeper::reconciler {
namespace {

namespace cg = runtime::cgroup;

// A failed resize (memory still above a new limit) is tried again after this, as the kubelet
// retries on its next sync of the pod.
constexpr int64_t kResizeRetryNs = 5 * kNsPerSec;

// was with each limit that goes down in next lowered (nullopt is unlimited): what a container
// is given before the pod cgroup changes; next is written after it. Resource by resource, as
// the kubelet orders them (cgroup v1 refuses a child cpu quota above its parent's).
cg::Resources lowered(cg::Resources was, const cg::Resources& next) {
  auto lower = [](auto& a, const auto& b) {
    if (b && (!a || *b < *a)) a = b;
  };
  lower(was.memoryLimitBytes, next.memoryLimitBytes);
  lower(was.cpuQuotaUs, next.cpuQuotaUs);
  lower(was.cpuShares, next.cpuShares);
  return was;
}

}  // namespace

Reconciler::ResizeStep Reconciler::resizeSandbox(const manifests::DecodedPod& desired,
                                                 const std::string& uid) {
  PodState& pod = pods_[uid];
  ResizeStep step{&desired, std::nullopt};
  const runtime::SandboxState* obs = pod.observed ? &*pod.observed : nullptr;
  RunningPod run;
  if (obs && !obs->stop && obs->specHash != desired.specHash) run = runningPod(desired, *obs);
  if (!run.pod) {  // the same pod, none yet, or another one (recreated)
    pod.running.reset();
    pod.resizeFailedHash.clear();
    pod.resizeError.clear();
    status_.setResize(uid, std::nullopt);
    return step;
  }
  pod.running = std::move(run.pod);
  step.pod = &*pod.running;
  const std::string key =
      manifests::podKey(desired.pod.metadata.namespace_, desired.pod.metadata.name);

  if (run.resize.kind == ResizeKind::Refused) {
    // The API server would have refused the update: the pod runs on as it is, and says why.
    status_.setResize(uid, std::nullopt);
    if (auto& noted = keyStates_[key].resizeRefusedHash; noted != desired.specHash) {
      noted = desired.specHash;
      spdlog::warn("pod {}: resize refused, the pod keeps running as it is: {}", key,
                   run.resize.message);
      event(key, "Warning", "ResizeRefused", run.resize.message);
    }
    return step;
  }
  if (auto it = keyStates_.find(key); it != keyStates_.end()) it->second.resizeRefusedHash.clear();

  const int64_t now = clock_.nowNs();
  if (auto infeasible = infeasibleResize(desired.pod.spec, paths_.cpuMilli, paths_.memoryBytes)) {
    // The kubelet: PodResizePending, reason Infeasible; the pod runs on as it is until the
    // manifest changes again.
    auto it = status_.resizes().find(uid);
    const bool already = it != status_.resizes().end() && it->second.type == "PodResizePending";
    status_.setResize(uid, status::ResizeCondition{"PodResizePending", "Infeasible", *infeasible,
                                                   already ? it->second.sinceNs : now});
    if (pod.resizeError != *infeasible) {
      pod.resizeError = *infeasible;
      spdlog::warn("pod {}: resize infeasible, the pod keeps running as it is: {}", key,
                   *infeasible);
      event(key, "Warning", "ResizeInfeasible", *infeasible);
    }
    return step;
  }
  if (pod.resizeFailedHash == desired.specHash && now < pod.resizeRetryAtNs) {
    step.requeueAtNs = pod.resizeRetryAtNs;
    return step;
  }

  runtime::ResourceUpdate update;
  update.sandboxUid = uid;
  update.specHash = desired.specHash;
  update.allocated = manifests::encodeAllocation(manifests::allocationOf(desired.pod.spec));
  std::vector<ContainerResize> decreases;
  std::vector<std::string> restarts;
  std::string what;
  for (const auto& r : run.resize.containers) {
    what += (what.empty() ? "" : ", ") + r.name + (r.restart ? " (restarted)" : "");
    if (r.restart) {
      restarts.push_back(r.name);
      continue;
    }
    const auto* before = manifests::findContainer(step.pod->pod.spec, r.name);
    const auto* after = manifests::findContainer(desired.pod.spec, r.name);
    if (!before || !after) continue;
    const auto was = containerResources(*before), next = containerResources(*after);
    if (auto low = lowered(was, next); low != was) update.shrinking.emplace_back(r.name, low);
    if (auto low = lowered(was, next); low != next) update.growing.emplace_back(r.name, next);
    if (r.memoryLimitDecrease) decreases.push_back(r);
  }
  if (auto next = podResources(desired.pod.spec); next != podResources(step.pod->pod.spec))
    update.pod = next;

  const auto* current = [&]() -> const status::ResizeCondition* {
    auto it = status_.resizes().find(uid);
    return it == status_.resizes().end() ? nullptr : &it->second;
  }();
  const int64_t since = current ? current->sinceNs : now;
  status_.setResize(uid,
                    status::ResizeCondition{"PodResizeInProgress", current ? current->reason : "",
                                            current ? current->message : "", since});
  spdlog::info("pod {}: resizing in place: {}", key, what);

  auto refusal = std::make_shared<std::string>();
  const std::string target = desired.specHash;
  auto r = offLoop(
      "",
      [&rt = runtime_, update = std::move(update), decreases = std::move(decreases),
       restarts = std::move(restarts), key, refusal]() -> Result<void> {
        for (const auto& d : decreases) {
          auto usage = rt.containerMemoryUsage(update.sandboxUid, d.name);
          if (!usage) return fail(usage.error());
          if (auto why = memoryDecreaseError(key, d, *usage)) {
            *refusal = *why;
            return failMsg(*why);
          }
        }
        if (auto u = rt.updateResources(update); !u) return u;
        // resizePolicy RestartContainer: killed now, started again with the new limits by the
        // next reconcile (restartCount + 1), as the kubelet restarts it.
        for (const auto& name : restarts)
          if (auto k = rt.killContainer(update.sandboxUid, name); !k) return k;
        return {};
      },
      [this, key, uid, target, what, refusal](Result<void> done) -> Result<void> {
        resizeApplied(key, uid, target, what, *refusal, std::move(done));
        return {};
      },
      true);
  (void)r;  // resizeApplied reports failures; the reconcile goes on
  if (deferring()) return step;
  // Applied at once (no RuntimeWork): plan with what the sandbox runs now.
  if (const auto* after = observed(uid); after && after->specHash == desired.specHash)
    step.pod = &desired;
  else if (pod.resizeFailedHash == desired.specHash)
    step.requeueAtNs = pod.resizeRetryAtNs;
  return step;
}

void Reconciler::resizeApplied(const std::string& key, const std::string& uid,
                               const std::string& target, const std::string& what,
                               const std::string& refusal, Result<void> r) {
  if (auto seen = refreshObserved(uid); !seen)
    spdlog::warn("pod {}: after its resize: {}", key, seen.error().message);
  PodState* pod = podState(uid);
  if (!pod) return;
  if (r) {
    pod->resizeFailedHash.clear();
    pod->resizeError.clear();
    status_.setResize(uid, std::nullopt);
    spdlog::info("pod {}: resized in place: {}", key, what);
    event(key, "Normal", "ResizeCompleted", "Pod resize completed: " + what);
    return;
  }
  // The kubelet: PodResizeInProgress with reason Error, retried on a later sync.
  const std::string message = refusal.empty() ? r.error().message : refusal;
  pod->resizeFailedHash = target;
  pod->resizeRetryAtNs = clock_.nowNs() + kResizeRetryNs;
  auto it = status_.resizes().find(uid);
  const int64_t since = it == status_.resizes().end() ? clock_.nowNs() : it->second.sinceNs;
  status_.setResize(uid, status::ResizeCondition{"PodResizeInProgress", "Error", message, since});
  if (pod->resizeError != message) {
    pod->resizeError = message;
    spdlog::warn("pod {}: resize not applied (tried again in {}s): {}", key,
                 kResizeRetryNs / kNsPerSec, message);
    event(key, "Warning", "ResizeError", message);
  }
}

}  // namespace podkeeper::reconciler
