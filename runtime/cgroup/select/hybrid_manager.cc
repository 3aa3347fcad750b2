#include "runtime/cgroup/select/hybrid_manager.h"

namespace podkeeper::runtime::cgroup {

HybridManager::HybridManager(V1Manager v1, V2Manager unified)
    : v1_(std::move(v1)), unified_(std::move(unified)) {}

Result<void> HybridManager::create(const CgroupPath& path) {
  if (auto r = v1_.create(path); !r) return r;
  return unified_.create(path);
}

Result<void> HybridManager::apply(const CgroupPath& path, const Resources& r) {
  if (auto w = v1_.apply(path, r); !w) return w;
  // The kernel asks the cgroup2 device programs first and the v1 controller second, and
  // allows only what both allow: the same rules in both change nothing while both hold, and
  // keep the container confined if it ever leaves its v1 devices cgroup (runc relies on v1
  // alone here).
  if (r.devices) return unified_.applyDevices(path, *r.devices);
  return {};
}

Result<void> HybridManager::addProcess(const CgroupPath& path, pid_t pid) {
  if (auto r = v1_.addProcess(path, pid); !r) return r;
  return unified_.addProcess(path, pid);
}

Result<std::optional<int>> HybridManager::openForCloneInto(const CgroupPath& path) {
  return unified_.openForCloneInto(path);
}

Result<std::vector<UniqueFd>> HybridManager::openSelfJoin(const CgroupPath& path) {
  return v1_.openSelfJoin(path);
}

Result<std::vector<pid_t>> HybridManager::pids(const CgroupPath& path) const {
  return v1_.pids(path);
}

Result<Stats> HybridManager::stats(const CgroupPath& path) const { return v1_.stats(path); }

Result<Stats> HybridManager::statsThrough(const CgroupPath& path, StatFileCache& files) const {
  return v1_.statsThrough(path, files);
}

Result<void> HybridManager::killAll(const CgroupPath& path) {
  // cgroup.kill in the unified tree first; the v1 loop then catches anything that joined
  // only the v1 hierarchies.
  if (auto r = unified_.killAll(path); !r) return r;
  return v1_.killAll(path);
}

Result<void> HybridManager::remove(const CgroupPath& path) {
  if (auto r = v1_.remove(path); !r) return r;
  return unified_.remove(path);
}

bool HybridManager::exists(const CgroupPath& path) const { return v1_.exists(path); }

}  // namespace podkeeper::runtime::cgroup
