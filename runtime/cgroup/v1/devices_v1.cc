#include "runtime/cgroup/v1/devices_v1.h"

namespace podkeeper::runtime::cgroup {

Result<void> applyDevicesV1(const CgroupDir& dir, const std::vector<DeviceRule>& rules) {
  if (allowsEverything(rules)) return dir.write("devices.allow", "a");
  if (auto r = dir.write("devices.deny", "a"); !r) return r;
  for (const DeviceRule& rule : rules) {
    if (auto r = dir.write("devices.allow", v1DeviceLine(rule)); !r) return r;
  }
  return {};
}

}  // namespace podkeeper::runtime::cgroup
