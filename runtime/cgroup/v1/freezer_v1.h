#pragma once

#include <string>

#include "runtime/cgroup/kill_loop.h"
#include "runtime/cgroup/process_signaller.h"

// v1 "freezer" controller.
namespace podkeeper::runtime::cgroup {

// Freezes by writing FROZEN to dir/freezer.state and polling until the state reads FROZEN
// (kFreezeAttempts polls); thaws with THAWED. The signaller must outlive the result.
TreeFreezer freezerV1(std::string dir, ProcessSignaller& signaller);

}  // namespace podkeeper::runtime::cgroup
