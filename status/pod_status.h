#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "manifests/admission.h"
#include "manifests/decode.h"
#include "runtime/container_runtime.h"

// The Kubernetes PodStatus of one pod, built the way the kubelet builds it from what the
// reconciler knows. Pure: everything it reads is in PodStatusInput.
namespace podkeeper::status {

// What probes and hooks say about a pod's running containers, by container name. A container
// missing from a map is ready and started while it runs (no probes).
struct ProbeStatus {
  std::map<std::string, bool> ready;    // readiness (and startup) probes; false during hooks
  std::map<std::string, bool> started;  // false until the startup probe passed
  std::map<std::string, int64_t> readinessChangedNs;  // when a probe last changed readiness
};

// A resize of the pod not done (KEP-1287, as of 1.33): PodResizePending (reason Infeasible or
// Deferred) or PodResizeInProgress (no reason while it is applied; Error when applying failed),
// with the kubelet's message.
struct ResizeCondition {
  std::string type;
  std::string reason;
  std::string message;
  int64_t sinceNs = 0;  // lastTransitionTime
  bool operator==(const ResizeCondition&) const = default;
};

struct PodStatusInput {
  const manifests::DecodedPod* pod = nullptr;       // required
  const runtime::SandboxState* observed = nullptr;  // null: nothing created yet
  std::map<std::string, std::string> waiting;       // container -> reason (CrashLoopBackOff)
  std::map<std::string, runtime::ExitRecord> lastTerminated;  // container -> previous instance
  std::string lastError;  // why the last reconcile of the pod failed; "" when it did not
  // Probe results. nullopt: a running container is ready and started, as the kubelet treats
  // a container without probes.
  std::optional<ProbeStatus> probes;
  std::string hostIP;
  // The pod's own addresses from its CNI result, IPv4 first; empty = the host's address.
  std::vector<std::string> podIPs;
  std::optional<int64_t> firstSeenNs;  // earliest time the agent is known to have had the pod
  // Set when the node refused the pod at admission: it is Failed, with the kubelet's reason.
  const manifests::AdmitResult* refusal = nullptr;
  // A resize not done yet. containerStatuses[].resources and allocatedResources come from the
  // resources the sandbox was given (SandboxState::allocated), else from the spec.
  std::optional<ResizeCondition> resize;
};

nlohmann::json podStatus(const PodStatusInput& in);

// Reason of a terminated container as the kubelet reports it: Completed, Error or OOMKilled.
std::string terminatedReason(const runtime::ExitRecord& exit);

}  // namespace podkeeper::status
