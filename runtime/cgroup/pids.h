#pragma once

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_manager.h"

// "pids" controller: the same pids.max file on v1 and v2.
namespace podkeeper::runtime::cgroup {

// pids.max from r.pidsLimit ("max" when <= 0); nothing when r.pidsLimit is nullopt.
Result<void> applyPids(const CgroupDir& dir, const Resources& r);

}  // namespace podkeeper::runtime::cgroup
