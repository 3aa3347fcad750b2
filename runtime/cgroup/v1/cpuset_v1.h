#pragma once

#include <string>

#include "common/error.h"

// v1 "cpuset" controller.
namespace podkeeper::runtime::cgroup {

// A new v1 cpuset cgroup starts with empty cpuset.cpus and cpuset.mems, and no task can join
// it until both are set: copy the parent's values where dir's are empty.
Result<void> inheritCpusetFromParent(const std::string& parentDir, const std::string& dir);

}  // namespace podkeeper::runtime::cgroup
