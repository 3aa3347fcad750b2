#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/layout.h"
#include "runtime/cgroup/process_signaller.h"

namespace podkeeper::runtime::cgroup {

// The v1 hierarchies the agent creates and joins: those holding any of cpu, cpuacct,
// memory, pids, freezer, cpuset, devices, blkio or name=systemd, so a container is
// contained in every one of them.
std::vector<Hierarchy> usedV1Hierarchies(const std::vector<Hierarchy>& all);

// cgroup v1: each controller in its own hierarchy (or co-mounted, e.g. "cpu,cpuacct").
// Limits in cpu, memory, pids and devices; stats from cpu, cpuacct and memory; process lists from
// pids (or the first hierarchy); killAll freezes through freezer when it is mounted.
class V1Manager final : public CgroupManager {
 public:
  V1Manager(std::vector<Hierarchy> hierarchies, std::shared_ptr<ProcessSignaller> signaller);

  Mode mode() const override { return Mode::V1; }
  Result<void> create(const CgroupPath& path) override;
  Result<void> apply(const CgroupPath& path, const Resources& r) override;
  Result<void> addProcess(const CgroupPath& path, pid_t pid) override;
  Result<std::optional<int>> openForCloneInto(const CgroupPath& path) override;
  Result<std::vector<UniqueFd>> openSelfJoin(const CgroupPath& path) override;
  Result<std::vector<pid_t>> pids(const CgroupPath& path) const override;
  Result<Stats> stats(const CgroupPath& path) const override;
  Result<Stats> statsThrough(const CgroupPath& path, StatFileCache& files) const override;
  Result<void> killAll(const CgroupPath& path) override;
  Result<void> remove(const CgroupPath& path) override;
  bool exists(const CgroupPath& path) const override;

 private:
  const Hierarchy* find(std::string_view controller) const;
  int indexOf(std::string_view controller) const;  // -1 when not mounted
  const Hierarchy* at(int index) const { return index < 0 ? nullptr : &hierarchies_[index]; }
  // The hierarchy whose cgroup.procs/tasks list the processes.
  const Hierarchy& primary() const;
  Result<void> createIn(const Hierarchy& h, const CgroupPath& path);
  // The cgroup's directory in the hierarchy of `controller`; an error when it is not mounted.
  Result<CgroupDir> openIn(std::string_view controller, const CgroupPath& path) const;

  std::vector<Hierarchy> hierarchies_;
  std::shared_ptr<ProcessSignaller> signaller_;
  // Looked up once: every scrape reads these for every row.
  int primary_, cpu_, cpuacct_, memory_;
  uint64_t ticksPerSecond_;
  uint64_t pageSize_;
};

}  // namespace podkeeper::runtime::cgroup
