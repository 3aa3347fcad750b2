#include "runtime/cgroup/v2/v2_manager.h"

#include <fcntl.h>

#include <cerrno>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_tree.h"
#include "runtime/cgroup/kill_loop.h"
#include "runtime/cgroup/pids.h"
#include "runtime/cgroup/stat_file_cache.h"
#include "runtime/cgroup/v2/cpu_v2.h"
#include "runtime/cgroup/v2/devices_v2.h"
#include "runtime/cgroup/v2/memory_v2.h"
#include "runtime/cgroup/v2/subtree_control.h"

namespace podkeeper::runtime::cgroup {
namespace {

std::string readOrEmpty(const CgroupDir& dir, const char* name) {
  std::string buf;
  auto text = dir.tryRead(name, buf);
  return text ? std::string(*text) : std::string();
}

}  // namespace

V2Manager::V2Manager(Hierarchy unified, std::shared_ptr<ProcessSignaller> signaller,
                     std::vector<std::string> controllersToEnable)
    : unified_(std::move(unified)),
      signaller_(std::move(signaller)),
      controllersToEnable_(std::move(controllersToEnable)) {}

Result<void> V2Manager::delegateControllers(const std::string& path) const {
  if (controllersToEnable_.empty()) return {};
  auto dir = CgroupDir::open(path);
  if (!dir) return fail(dir.error());
  const std::string delta =
      subtreeControlDelta(readOrEmpty(*dir, "cgroup.controllers"),
                          readOrEmpty(*dir, "cgroup.subtree_control"), controllersToEnable_);
  if (delta.empty()) return {};
  return dir->write("cgroup.subtree_control", delta);
}

Result<void> V2Manager::create(const CgroupPath& path) {
  // Enabling a controller in a parent's subtree_control gives it to existing children too.
  if (controllersToEnable_.empty()) return mkdirAll(unified_.mountPoint, path);
  return mkdirAll(unified_.mountPoint, path, [this](const std::string& parent, const std::string&) {
    return delegateControllers(parent);
  });
}

Result<void> V2Manager::apply(const CgroupPath& path, const Resources& r) {
  auto dir = CgroupDir::open(unified_.dir(path));
  if (!dir) return fail(dir.error());
  if (auto w = applyCpuV2(*dir, r); !w) return w;
  if (auto w = applyMemoryV2(*dir, r); !w) return w;
  if (auto w = applyPids(*dir, r); !w) return w;
  if (r.devices) return applyDevicesV2(*dir, *r.devices, devicePrograms_.get());
  return {};
}

Result<void> V2Manager::applyDevices(const CgroupPath& path, const std::vector<DeviceRule>& rules) {
  auto dir = CgroupDir::open(unified_.dir(path));
  if (!dir) return fail(dir.error());
  return applyDevicesV2(*dir, rules, devicePrograms_.get());
}

Result<void> V2Manager::addProcess(const CgroupPath& path, pid_t pid) {
  auto dir = CgroupDir::open(unified_.dir(path));
  if (!dir) return fail(dir.error());
  return dir->write("cgroup.procs", std::to_string(pid));
}

Result<std::optional<int>> V2Manager::openForCloneInto(const CgroupPath& path) {
  const std::string dir = unified_.dir(path);
  const int fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failSys(errno, "open " + dir);
  return std::optional<int>(fd);
}

Result<std::vector<pid_t>> V2Manager::pids(const CgroupPath& path) const {
  return pidsInTree(unified_.dir(path), "cgroup.procs");
}

Result<Stats> V2Manager::stats(const CgroupPath& path) const {
  StatFileCache once(0);  // no fd outlives the call
  return statsThrough(path, once);
}

Result<Stats> V2Manager::statsThrough(const CgroupPath& path, StatFileCache& files) const {
  const std::string dirPath = unified_.dir(path);
  auto s = statsWithTaskCounts(files, dirPath, "cgroup.threads");
  if (!s) return s;
  auto dir = files.dir(dirPath);
  if (!dir) return fail(dir.error());
  readCpuV2(**dir, files.buffer(), *s);
  readMemoryV2(**dir, files.buffer(), *s);
  if ((*dir)->gone()) return failSys(ENOENT, "cgroup " + path + " removed while reading it");
  return s;
}

Result<void> V2Manager::killAll(const CgroupPath& path) {
  const std::string dirPath = unified_.dir(path);
  auto dir = CgroupDir::open(dirPath);
  if (!dir && dir.error().code == ENOENT) return {};
  if (!dir) return fail(dir.error());
  if (!dir->has("cgroup.kill")) return killUntilEmpty(dirPath, std::nullopt, *signaller_);
  if (auto w = dir->write("cgroup.kill", "1"); !w) return w;
  return waitUntilEmpty(dirPath, *signaller_);
}

Result<void> V2Manager::remove(const CgroupPath& path) {
  return removeTree(unified_.dir(path), *signaller_);
}

bool V2Manager::exists(const CgroupPath& path) const { return isDirectory(unified_.dir(path)); }

}  // namespace podkeeper::runtime::cgroup
