#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/pod.h"

// The resources a running pod's containers were given (KEP-1287's allocated resources), kept
// with its sandbox so the agent knows, across restarts, the spec a pod runs when its manifest
// changed only resources: the desired spec with these put back (reconciler/pod_resize.h).
namespace podkeeper::manifests {

struct ResourceAllocation {
  std::map<std::string, ResourceRequirements> containers;  // init containers and containers
  std::optional<ResourceRequirements> pod;                 // spec.resources
  bool operator==(const ResourceAllocation&) const = default;
};

ResourceAllocation allocationOf(const PodSpec& spec);

// Compact JSON, version "v1": {"v":1,"containers":{name:{"requests":{...},"limits":{...}}},
// "pod":{...}}, cpu in millicores, memory and ephemeral-storage in bytes, extended by name.
std::string encodeAllocation(const ResourceAllocation& a);
// nullopt for anything that is not such a document (an unknown version included).
std::optional<ResourceAllocation> decodeAllocation(std::string_view text);

// spec with the resources of every container named in a, and the pod's, taken from a.
PodSpec withAllocation(PodSpec spec, const ResourceAllocation& a);

}  // namespace podkeeper::manifests
