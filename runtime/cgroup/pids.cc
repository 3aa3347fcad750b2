#include "runtime/cgroup/pids.h"

#include "runtime/cgroup/resources.h"

namespace podkeeper::runtime::cgroup {

Result<void> applyPids(const CgroupDir& dir, const Resources& r) {
  if (!r.pidsLimit) return {};
  return dir.write("pids.max", pidsMaxValue(*r.pidsLimit));
}

}  // namespace podkeeper::runtime::cgroup
