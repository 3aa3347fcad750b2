#include "runtime/cgroup/v1/freezer_v1.h"

#include <cerrno>

#include "runtime/cgroup/cgroup_dir.h"

namespace podkeeper::runtime::cgroup {
namespace {

Result<void> freeze(const std::string& path, ProcessSignaller& signaller) {
  auto dir = CgroupDir::open(path);
  if (!dir) return fail(dir.error());
  if (auto w = dir->write("freezer.state", "FROZEN"); !w) return w;
  std::string buf;
  for (int attempt = 0; attempt < kFreezeAttempts; ++attempt) {
    auto state = dir->read("freezer.state", buf);
    if (!state) return fail(state.error());
    if (state->starts_with("FROZEN")) return {};
    signaller.pause(kPollInterval);  // FREEZING: tasks are still on their way to the fridge
  }
  return failSys(EBUSY, path + "/freezer.state: still FREEZING");
}

Result<void> thaw(const std::string& path) {
  auto dir = CgroupDir::open(path);
  if (!dir) return fail(dir.error());
  return dir->write("freezer.state", "THAWED");
}

}  // namespace

TreeFreezer freezerV1(std::string dir, ProcessSignaller& signaller) {
  return TreeFreezer{[dir, &signaller] { return freeze(dir, signaller); },
                     [dir] { return thaw(dir); }};
}

}  // namespace podkeeper::runtime::cgroup
