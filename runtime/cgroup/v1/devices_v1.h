#pragma once

#include <vector>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/device_rules.h"

// v1 "devices" controller.
namespace podkeeper::runtime::cgroup {

// Denies every device ("a" to devices.deny, which also drops the exceptions inherited from
// the parent), then allows each rule in devices.allow. Rules allowing everything write "a"
// to devices.allow instead. The kernel refuses "a" in a cgroup that has children: call it on
// a container's cgroup before any process joins.
Result<void> applyDevicesV1(const CgroupDir& dir, const std::vector<DeviceRule>& rules);

}  // namespace podkeeper::runtime::cgroup
