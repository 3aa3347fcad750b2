#include "runtime/init/cgroup_mounts.h"

namespace podkeeper::runtime {

std::vector<ContainerCgroupMount> containerCgroupMounts(
    const std::vector<cgroup::MountEntry>& mounts, const std::string& mountRoot) {
  std::vector<ContainerCgroupMount> out;
  for (const auto& m : mounts) {
    if (m.fsType != "cgroup" && m.fsType != "cgroup2") continue;
    std::string name;
    if (m.mountPoint != mountRoot) {
      if (!m.mountPoint.starts_with(mountRoot + "/")) continue;
      name = m.mountPoint.substr(mountRoot.size() + 1);
      if (name.find('/') != std::string::npos) continue;
    }
    ContainerCgroupMount c{name, m.fsType, ""};
    if (m.fsType == "cgroup") {
      for (const auto& controller : cgroup::v1Controllers(m)) {
        c.options += (c.options.empty() ? "" : ",") + controller;
      }
    }
    // A later mount on the same point hides the earlier one, as in the host's view.
    std::erase_if(out, [&](const ContainerCgroupMount& o) { return o.name == c.name; });
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace podkeeper::runtime
