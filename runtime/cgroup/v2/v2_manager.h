#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/layout.h"
#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/v2/devices_v2.h"

namespace podkeeper::runtime::cgroup {

// What the agent delegates down the v2 tree (where the parent offers it).
inline const std::vector<std::string> kDefaultV2Controllers = {"cpu", "cpuset", "io", "memory",
                                                               "pids"};

// cgroup v2: one unified tree. create delegates controllersToEnable down to the new cgroup
// through each ancestor's cgroup.subtree_control; devices are confined by an attached BPF
// program (devices_v2.h); killAll uses cgroup.kill when the kernel
// has it (5.14+), else a SIGKILL loop.
class V2Manager final : public CgroupManager {
 public:
  V2Manager(Hierarchy unified, std::shared_ptr<ProcessSignaller> signaller,
            std::vector<std::string> controllersToEnable = kDefaultV2Controllers);

  Mode mode() const override { return Mode::V2; }
  Result<void> create(const CgroupPath& path) override;
  Result<void> apply(const CgroupPath& path, const Resources& r) override;
  Result<void> addProcess(const CgroupPath& path, pid_t pid) override;
  // The caller owns the returned fd (O_PATH|O_DIRECTORY|O_CLOEXEC) and closes it.
  Result<std::optional<int>> openForCloneInto(const CgroupPath& path) override;
  Result<std::vector<UniqueFd>> openSelfJoin(const CgroupPath&) override { return {}; }
  Result<std::vector<pid_t>> pids(const CgroupPath& path) const override;
  Result<Stats> stats(const CgroupPath& path) const override;
  Result<Stats> statsThrough(const CgroupPath& path, StatFileCache& files) const override;
  Result<void> killAll(const CgroupPath& path) override;
  Result<void> remove(const CgroupPath& path) override;
  bool exists(const CgroupPath& path) const override;
  // The device program alone (apply does it when Resources.devices is set): the hybrid
  // driver confines devices in the unified tree too, where no controller is enabled.
  Result<void> applyDevices(const CgroupPath& path, const std::vector<DeviceRule>& rules);

 private:
  Result<void> delegateControllers(const std::string& dir) const;

  Hierarchy unified_;
  std::shared_ptr<ProcessSignaller> signaller_;
  std::vector<std::string> controllersToEnable_;
  // One loaded device program per set of rules, shared by every container cgroup.
  std::shared_ptr<DeviceProgramCache> devicePrograms_ = std::make_shared<DeviceProgramCache>();
};

}  // namespace podkeeper::runtime::cgroup
