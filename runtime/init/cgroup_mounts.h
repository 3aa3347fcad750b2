#pragma once

#include <string>
#include <vector>

#include "runtime/cgroup/mountinfo.h"

// The cgroup filesystems a container sees at /sys/fs/cgroup, read-only and rooted at its own
// cgroup (through its cgroup namespace), so programs that size themselves from their limits
// (JVM, Go, Node) find them where they look.
namespace podkeeper::runtime {

struct ContainerCgroupMount {
  std::string name;     // below /sys/fs/cgroup: "memory", "cpu,cpuacct", "unified"; "" = itself
  std::string fsType;   // "cgroup" or "cgroup2"
  std::string options;  // v1: the controllers ("memory", "name=systemd"); v2: ""
  bool operator==(const ContainerCgroupMount&) const = default;
};

// The cgroup mounts found under the host's cgroup mount root, mirrored for the container.
std::vector<ContainerCgroupMount> containerCgroupMounts(
    const std::vector<cgroup::MountEntry>& mounts, const std::string& mountRoot);

}  // namespace podkeeper::runtime
