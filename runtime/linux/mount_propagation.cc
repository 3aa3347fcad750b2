#include "runtime/linux/mount_propagation.h"

#include <algorithm>

namespace podkeeper::runtime {
namespace {

bool isBelow(const std::string& path, const std::string& mountPoint) {
  if (mountPoint == "/") return true;
  return path == mountPoint || (path.starts_with(mountPoint) && path.size() > mountPoint.size() &&
                                path[mountPoint.size()] == '/');
}

bool hasTag(const cgroup::MountEntry& m, std::string_view prefix) {
  return std::ranges::any_of(m.optionalFields,
                             [&](const std::string& f) { return f.starts_with(prefix); });
}

}  // namespace

Result<void> checkSourcePropagation(const std::vector<cgroup::MountEntry>& mounts,
                                    const std::string& path, MountPropagation propagation) {
  if (propagation == MountPropagation::Private) return {};
  // The last of the longest mount points above path: later mounts cover earlier ones.
  const cgroup::MountEntry* holder = nullptr;
  for (const auto& m : mounts)
    if (isBelow(path, m.mountPoint) &&
        (!holder || m.mountPoint.size() >= holder->mountPoint.size()))
      holder = &m;
  if (!holder) return failMsg("path \"" + path + "\": no mount holds it in mountinfo");
  const bool shared = hasTag(*holder, "shared:");
  if (propagation == MountPropagation::Bidirectional && !shared)
    return failMsg("path \"" + path + "\" is mounted on \"" + holder->mountPoint +
                   "\" but it is not a shared mount");
  if (propagation == MountPropagation::HostToContainer && !shared && !hasTag(*holder, "master:"))
    return failMsg("path \"" + path + "\" is mounted on \"" + holder->mountPoint +
                   "\" but it is not a shared or slave mount");
  return {};
}

}  // namespace podkeeper::runtime
