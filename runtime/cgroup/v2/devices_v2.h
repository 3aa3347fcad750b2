#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/unique_fd.h"
#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/device_rules.h"

// Device confinement on cgroup2: a BPF_PROG_TYPE_CGROUP_DEVICE program (device_filter.h)
// attached to the cgroup. It also works in the unified tree of a hybrid host, where no
// controller needs to be enabled for it.
namespace podkeeper::runtime::cgroup {

// The name podkeeper's programs carry (bpf_prog_info.name), so re-applying replaces only
// ours and leaves programs attached by others alone.
inline constexpr const char* kDeviceProgramName = "podkeeper_dev";

// Device programs loaded once and attached to many cgroups: every container with the same
// rules (all unprivileged ones) shares one program, so a start does not run the verifier.
// Holds the fds of the few most recent programs (a cgroup's attachment keeps its program
// alive on its own). Safe to use from several threads.
class DeviceProgramCache {
 public:
  struct Loaded {
    UniqueFd fd;
    uint32_t id = 0;  // the kernel's program id
  };
  // The loaded program for these instructions, loading it on first use.
  Result<std::shared_ptr<const Loaded>> get(const std::vector<bpf_insn>& program,
                                            const std::string& where);

 private:
  static constexpr size_t kMaxPrograms = 8;
  std::mutex mutex_;
  // By the program's bytes, oldest first.
  std::vector<std::pair<std::string, std::shared_ptr<const Loaded>>> programs_;
};

// Attaches the program for `rules` to the cgroup `dir` (BPF_CGROUP_DEVICE,
// BPF_F_ALLOW_MULTI) unless it is attached already, then detaches the other programs of ours
// attached before it: the cgroup is never without a filter. With a cache the program is
// loaded once for all cgroups; without one it is loaded for this call and its fd closed on
// return. The attachment keeps the program alive until it is detached or the cgroup is
// removed.
Result<void> applyDevicesV2(const CgroupDir& dir, const std::vector<DeviceRule>& rules,
                            DeviceProgramCache* cache = nullptr);

struct AttachedProgram {
  uint32_t id = 0;
  std::string name;  // bpf_prog_info.name
};

// The device programs attached to the cgroup itself (BPF_PROG_QUERY, not the inherited ones).
Result<std::vector<AttachedProgram>> attachedDevicePrograms(const CgroupDir& dir);

}  // namespace podkeeper::runtime::cgroup
