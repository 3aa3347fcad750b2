#pragma once

#include <linux/bpf.h>

#include <vector>

#include "runtime/cgroup/device_rules.h"

// cgroup v2 has no devices files: a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the
// cgroup answers each mknod/open. This assembles it, without libbpf.
namespace podkeeper::runtime::cgroup {

// A program that returns 1 (allow) for an access some rule allows, and 0 (deny) otherwise.
// It reads struct bpf_cgroup_dev_ctx: access_type (access << 16 | device type), major, minor.
// Rules are tried in order; a rule matching everything ends the program.
std::vector<bpf_insn> deviceFilterProgram(const std::vector<DeviceRule>& rules);

}  // namespace podkeeper::runtime::cgroup
