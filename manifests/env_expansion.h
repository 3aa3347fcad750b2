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
