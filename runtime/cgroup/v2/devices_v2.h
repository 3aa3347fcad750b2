#pragma once

#include <cstdint>
#include <vector>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/device_rules.h"

// Device confinement on cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program (device_filter.h)
// attached to the cgroup. It also works in the unified tree of a hybrid host, where no
// controller needs to be enabled for it.
namespace podkeeper::runtime::cgroup {

// The name podkeeper's programs carry (bpf_prog_info.name), so re-applying replaces only
// ours and leaves programs attached by others alone.
inline constexpr const char* kDeviceProgramName = "podkeeper_dev";

// Loads the program for `rules` and attaches it to the cgroup `dir` (BPF_CGROUP_DEVICE,
// BPF_F_ALLOW_MULTI), then detaches the programs of ours attached before it: the cgroup is
// never without a filter. The program's fd is closed on return; the attachment keeps the
// program alive until it is detached or the cgroup is removed.
Result<void> applyDevicesV2(const CgroupDir& dir, const std::vector<DeviceRule>& rules);

struct AttachedProgram {
  uint32_t id = 0;
  std::string name;  // bpf_prog_info.name
};

// The device programs attached to the cgroup itself (BPF_PROG_QUERY, not the inherited ones).
Result<std::vector<AttachedProgram>> attachedDevicePrograms(const CgroupDir& dir);

}  // namespace podkeeper::runtime::cgroup
