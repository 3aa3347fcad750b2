#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/mountinfo.h"

// Where the cgroup hierarchies are: the mode and each hierarchy's mount, found from statfs on
// the mount root plus mountinfo.
namespace podkeeper::runtime::cgroup {

struct Hierarchy {
  std::string mountPoint;
  // The cgroup mounted at mountPoint (mountinfo's root field): "/" normally, "/docker/<id>"
  // when cgroupfs comes from a non-root cgroup, as in a container.
  std::string root = "/";
  std::vector<std::string> controllers;  // v1 only: "cpu", "cpuacct", "name=systemd"...

  bool has(std::string_view controller) const;
  std::string dir(const CgroupPath& path) const;
  // Maps a path of /proc/<pid>/cgroup to its directory under mountPoint; nullopt when the
  // cgroup lies outside the mounted subtree.
  std::optional<std::string> dirOfProcPath(std::string_view procPath) const;
};

struct Layout {
  Mode mode = Mode::V2;
  std::vector<Hierarchy> v1;         // one per distinct v1 mount under the mount root
  std::optional<Hierarchy> unified;  // the cgroup2 mount (V2, Hybrid)
};

// Pure core of detection: rootMagic is statfs(mountRoot).f_type.
Result<Layout> layoutFromMounts(int64_t rootMagic, const std::string& mountRoot,
                                const std::vector<MountEntry>& mounts);

// statfs through probe, then mountinfo from config.mountinfoPath.
Result<Layout> detectLayout(const CgroupConfig& config, const FsProbe& probe);

}  // namespace podkeeper::runtime::cgroup
