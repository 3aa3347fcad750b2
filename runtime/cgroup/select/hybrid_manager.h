#pragma once

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/v1/v1_manager.h"
#include "runtime/cgroup/v2/v2_manager.h"

namespace podkeeper::runtime::cgroup {

// Hybrid (systemd's "hybrid" layout): v1 hierarchies hold the controllers, and a cgroup2
// tree (usually <root>/unified) holds none of them. As runc does, limits and stats go
// through v1, and the same path is also created, joined and removed in the unified tree,
// whose cgroup.kill empties the cgroup atomically. Devices are confined in both trees (see
// apply).
class HybridManager final : public CgroupManager {
 public:
  // unified should be built with no controllers to enable.
  HybridManager(V1Manager v1, V2Manager unified);

  Mode mode() const override { return Mode::Hybrid; }
  Result<void> create(const CgroupPath& path) override;
  Result<void> apply(const CgroupPath& path, const Resources& r) override;
  Result<void> addProcess(const CgroupPath& path, pid_t pid) override;
  // The unified tree's directory; the v1 hierarchies are joined through openSelfJoin.
  Result<std::optional<int>> openForCloneInto(const CgroupPath& path) override;
  Result<std::vector<UniqueFd>> openSelfJoin(const CgroupPath& path) override;
  Result<std::vector<pid_t>> pids(const CgroupPath& path) const override;
  Result<Stats> stats(const CgroupPath& path) const override;
  Result<Stats> statsThrough(const CgroupPath& path, StatFileCache& files) const override;
  Result<void> killAll(const CgroupPath& path) override;
  Result<void> remove(const CgroupPath& path) override;
  bool exists(const CgroupPath& path) const override;

 private:
  V1Manager v1_;
  V2Manager unified_;
};

}  // namespace podkeeper::runtime::cgroup
