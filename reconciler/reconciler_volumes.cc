// The Reconciler's volume steps: what the kubelet's volume manager does for a pod.
#include "reconciler/reconciler.h"

namespace podkeeper::reconciler {

// The kubelet mounts a pod's volumes before it makes anything else of the pod; a hostPath
// that fails its type check stops here, with the kubelet's FailedMount event, and is retried.
Result<void> Reconciler::ensureSandbox(const manifests::DecodedPod& pod, const std::string& key) {
  runtime::SandboxSpec spec = sandboxSpec(pod, paths_);
  spec.createdAtNs = clock_.nowNs();  // kept by the runtime when the sandbox exists
  auto downward = downwardAPIVolumes(pod, paths_);
  if (!downward) {
    event(key, "Warning", "FailedMount", downward.error().message);
    return fail(downward.error());
  }
  spec.downwardAPIs = std::move(*downward);
  if (auto r = runtime_.prepareVolumes(spec); !r) {
    event(key, "Warning", "FailedMount", r.error().message);
    return fail(r.error().context("pod " + key));
  }
  if (auto r = runtime_.ensureSandbox(spec); !r) return r;
  pods_[pod.uid].downwardWritten = std::move(spec.downwardAPIs);
  return {};
}

Result<bool> Reconciler::networkReady(const manifests::DecodedPod& pod, const std::string& key) {
  if (!network_) return true;
  auto ready = network_->ready(pod, key);
  if (!ready) {
    event(key, "Warning", "NetworkNotReady", ready.error().message);
    return fail(ready.error().context("pod " + key));
  }
  if (!ready->eventReason.empty()) event(key, "Warning", ready->eventReason, ready->eventMessage);
  return ready->ready;
}

// A running pod whose labels or annotations changed (no restart: the spec hash is the same)
// gets its downwardAPI files rewritten. Rendering is in memory; the runtime is only asked when
// the files differ from what was last written.
Result<void> Reconciler::refreshDownwardAPI(const manifests::DecodedPod& pod) {
  const auto* obs = observed(pod.uid);
  if (!obs || obs->specHash != pod.specHash) return {};
  auto downward = downwardAPIVolumes(pod, paths_);
  if (!downward) return fail(downward.error());
  if (downward->empty() || pods_[pod.uid].downwardWritten == *downward) return {};
  runtime::SandboxSpec spec = sandboxSpec(pod, paths_);
  spec.downwardAPIs = std::move(*downward);
  if (auto r = runtime_.updateDownwardAPI(spec); !r) return r;
  pods_[pod.uid].downwardWritten = std::move(spec.downwardAPIs);
  return {};
}

}  // namespace podkeeper::reconciler
