#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/mountinfo.h"
#include "runtime/container_runtime.h"

// What a volume's mountPropagation needs of its source on the host, checked as containerd's
// CRI plugin checks it (ensureShared, ensureSharedOrSlave) before the container is created:
// Bidirectional needs the mount holding the source to be shared, HostToContainer shared or a
// slave. The mount is not changed: a host without shared mounts says so. Pure.
namespace podkeeper::runtime {

// path: absolute and without symlinks (realpath). mounts: the host's mountinfo.
Result<void> checkSourcePropagation(const std::vector<cgroup::MountEntry>& mounts,
                                    const std::string& path, MountPropagation propagation);

}  // namespace podkeeper::runtime
