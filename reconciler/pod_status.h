#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "manifests/decode.h"
#include "runtime/container_runtime.h"

// The Kubernetes PodStatus of one pod, built the way the kubelet builds it from what the
// reconciler knows. Pure: everything it reads is in PodStatusInput.
namespace podkeeper::reconciler {

struct PodStatusInput {
  const manifests::DecodedPod* pod = nullptr;       // required
  const runtime::SandboxState* observed = nullptr;  // null: nothing created yet
  std::map<std::string, std::string> waiting;       // container -> reason (CrashLoopBackOff)
  std::map<std::string, runtime::ExitRecord> lastTerminated;  // container -> previous instance
  std::string lastError;  // why the last reconcile of the pod failed; "" when it did not
  // Readiness probe results by container. Until probes run this is nullopt and a running
  // container is ready, as the kubelet treats a container without a readiness probe.
  std::optional<std::map<std::string, bool>> probeReady;
  std::string hostIP;
  std::string podIP;                   // "" = the pod shares the host's address
  std::optional<int64_t> firstSeenNs;  // earliest time the agent is known to have had the pod
};

nlohmann::json podStatus(const PodStatusInput& in);

// Reason of a terminated container as the kubelet reports it: Completed, Error or OOMKilled.
std::string terminatedReason(const runtime::ExitRecord& exit);

}  // namespace podkeeper::reconciler
