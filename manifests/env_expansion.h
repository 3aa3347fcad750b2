#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/pod.h"

// What a container sees at start: env values from the downward API and $(VAR) references
// expanded, as the kubelet does it. Decoding keeps the spec as written (so the spec hash and
// `validate -o json` show what the user wrote); the runtime calls resolveContainer.
namespace podkeeper::manifests {

// Facts known only on the node, at start.
struct NodeFacts {
  std::string nodeName;
  std::string podIP;
  std::string hostIP;
  int64_t cpuMilli = 0;  // node capacity: a limit's value when the container has none
  int64_t memoryBytes = 0;
  int64_t ephemeralStorageBytes = 0;
};

// A downward API fieldRef's value (metadata.name, metadata.labels['k'], status.podIP, ...);
// "" for a path it does not know. uid is the pod's UID.
std::string fieldValue(const Pod& pod, const std::string& uid, const std::string& path,
                       const NodeFacts& node);

// A resourceFieldRef's value for the container named in r (self when none is named): the
// request or limit divided by the divisor, rounded up as the kubelet does; an unset limit is
// the node's capacity.
std::string resourceValue(const Pod& pod, const Container& self, const ResourceFieldSelector& r,
                          const NodeFacts& node);

// Kubernetes expansion: "$$" is "$", "$(NAME)" is lookup(NAME) or left as written when the
// name is unknown, any other "$" is kept.
std::string expandVariables(
    std::string_view input,
    const std::function<std::optional<std::string>(std::string_view)>& lookup);

// The container with env values resolved in order (each may refer to those before it),
// and command and args expanded against the resolved env. uid is the pod's UID.
Container resolveContainer(const Pod& pod, const std::string& uid, const Container& c,
                           const NodeFacts& node);

}  // namespace podkeeper::manifests
