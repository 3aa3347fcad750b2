#pragma once

#include "runtime/bundle/shim_config.h"
#include "runtime/container_runtime.h"

// The part of a container's config.json that comes from its spec alone (no paths, no node
// settings, no system calls): what LinuxRuntime::shimConfigFor starts from, and what the
// manifest fuzzer encodes.
namespace podkeeper::runtime {

ShimConfig shimConfigFromSpec(const ContainerSpec& spec);

// The identity the container's init takes from a config.json (see identityFor), as CRI
// reports it. Pure.
ContainerUser containerUser(const ShimConfig& cfg);

}  // namespace podkeeper::runtime
