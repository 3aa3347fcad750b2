#pragma once

#include <string>

#include "common/error.h"

// A pod's net, ipc and uts namespaces, kept alive by bind mounts of /proc/<pid>/ns/<kind>
// onto files in the pod's ns/ directory (no pause process, like CRI-O's pinns).
namespace podkeeper::runtime {

// Creates new namespaces with a short-lived helper child (hostname set, lo up) and pins
// them in nsDir, which becomes a shared bind mount of itself so unpinning propagates to
// every mount namespace that holds a copy (as `ip netns` does with /run/netns).
Result<void> pinNewNamespaces(const std::string& nsDir, const std::string& hostname);

// True when every pin in nsDir is a mounted namespace file.
bool namespacePinsValid(const std::string& nsDir);

// Lazily unmounts the pins and nsDir's self-bind. Idempotent.
Result<void> unpinNamespaces(const std::string& nsDir);

}  // namespace podkeeper::runtime
