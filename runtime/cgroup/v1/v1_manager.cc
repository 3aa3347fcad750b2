#include "runtime/cgroup/v1/v1_manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>

#include "runtime/cgroup/cgroup_dir.h"
#include "runtime/cgroup/cgroup_tree.h"
#include "runtime/cgroup/kill_loop.h"
#include "runtime/cgroup/pids.h"
#include "runtime/cgroup/stat_file_cache.h"
#include "runtime/cgroup/v1/cpu_v1.h"
#include "runtime/cgroup/v1/cpuacct_v1.h"
#include "runtime/cgroup/v1/cpuset_v1.h"
#include "runtime/cgroup/v1/devices_v1.h"
#include "runtime/cgroup/v1/freezer_v1.h"
#include "runtime/cgroup/v1/memory_v1.h"

namespace podkeeper::runtime::cgroup {
namespace {

constexpr std::array<std::string_view, 9> kUsedControllers = {
    "cpu", "cpuacct", "memory", "pids", "freezer", "cpuset", "devices", "blkio", "name=systemd"};

bool isUsed(const Hierarchy& h) {
  return std::any_of(kUsedControllers.begin(), kUsedControllers.end(),
                     [&](std::string_view c) { return h.has(c); });
}

}  // namespace

std::vector<Hierarchy> usedV1Hierarchies(const std::vector<Hierarchy>& all) {
  std::vector<Hierarchy> out;
  std::copy_if(all.begin(), all.end(), std::back_inserter(out), isUsed);
  return out;
}

V1Manager::V1Manager(std::vector<Hierarchy> hierarchies,
                     std::shared_ptr<ProcessSignaller> signaller)
    : hierarchies_(std::move(hierarchies)),
      signaller_(std::move(signaller)),
      ticksPerSecond_(static_cast<uint64_t>(::sysconf(_SC_CLK_TCK))),
      pageSize_(static_cast<uint64_t>(::sysconf(_SC_PAGESIZE))) {
  if (hierarchies_.empty()) throw std::invalid_argument("V1Manager: no cgroup v1 hierarchy");
  primary_ = indexOf("pids");
  if (primary_ < 0) primary_ = indexOf("memory");
  if (primary_ < 0) primary_ = 0;
  cpu_ = indexOf("cpu");
  cpuacct_ = indexOf("cpuacct");
  memory_ = indexOf("memory");
}

int V1Manager::indexOf(std::string_view controller) const {
  const Hierarchy* h = find(controller);
  return h ? static_cast<int>(h - hierarchies_.data()) : -1;
}

const Hierarchy* V1Manager::find(std::string_view controller) const {
  auto it = std::find_if(hierarchies_.begin(), hierarchies_.end(),
                         [&](const Hierarchy& h) { return h.has(controller); });
  return it == hierarchies_.end() ? nullptr : &*it;
}

const Hierarchy& V1Manager::primary() const { return hierarchies_[primary_]; }

Result<void> V1Manager::createIn(const Hierarchy& h, const CgroupPath& path) {
  if (!h.has("cpuset")) return mkdirAll(h.mountPoint, path);
  return mkdirAll(h.mountPoint, path, inheritCpusetFromParent);
}

Result<void> V1Manager::create(const CgroupPath& path) {
  for (const Hierarchy& h : hierarchies_) {
    if (auto r = createIn(h, path); !r) return r;
  }
  return {};
}

Result<void> V1Manager::apply(const CgroupPath& path, const Resources& r) {
  const Hierarchy* cpu = find("cpu");
  const Hierarchy* memory = find("memory");
  if (!cpu || !memory) return failMsg("cgroup v1: cpu or memory controller not mounted");
  auto cpuDir = CgroupDir::open(cpu->dir(path));
  if (!cpuDir) return fail(cpuDir.error());
  if (auto w = applyCpuV1(*cpuDir, r); !w) return w;
  auto memDir = CgroupDir::open(memory->dir(path));
  if (!memDir) return fail(memDir.error());
  if (auto w = applyMemoryV1(*memDir, r); !w) return w;
  if (r.pidsLimit) {
    auto dir = openIn("pids", path);
    if (!dir) return fail(dir.error());
    if (auto w = applyPids(*dir, r); !w) return w;
  }
  if (r.devices) {
    auto dir = openIn("devices", path);
    if (!dir) return fail(dir.error());
    if (auto w = applyDevicesV1(*dir, *r.devices); !w) return w;
  }
  return {};
}

Result<CgroupDir> V1Manager::openIn(std::string_view controller, const CgroupPath& path) const {
  const Hierarchy* h = find(controller);
  if (!h) {
    return failMsg("cgroup v1: the " + std::string(controller) +
                   " controller is not mounted; cannot apply the limits of " + path);
  }
  return CgroupDir::open(h->dir(path));
}

Result<void> V1Manager::addProcess(const CgroupPath& path, pid_t pid) {
  const std::string value = std::to_string(pid);
  for (const Hierarchy& h : hierarchies_) {
    auto dir = CgroupDir::open(h.dir(path));
    if (!dir) return fail(dir.error());
    if (auto w = dir->write("cgroup.procs", value); !w) return w;
  }
  return {};
}

Result<std::optional<int>> V1Manager::openForCloneInto(const CgroupPath&) {
  return std::optional<int>();  // CLONE_INTO_CGROUP is a v2 feature
}

Result<std::vector<UniqueFd>> V1Manager::openSelfJoin(const CgroupPath& path) {
  std::vector<UniqueFd> fds;
  for (const Hierarchy& h : hierarchies_) {
    const std::string file = h.dir(path) + "/tasks";
    UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd.valid()) return failSys(errno, "open " + file);
    fds.push_back(std::move(fd));
  }
  return fds;
}

Result<std::vector<pid_t>> V1Manager::pids(const CgroupPath& path) const {
  return pidsInTree(primary().dir(path), "cgroup.procs");
}

Result<Stats> V1Manager::stats(const CgroupPath& path) const {
  StatFileCache once(0);  // no fd outlives the call
  return statsThrough(path, once);
}

Result<Stats> V1Manager::statsThrough(const CgroupPath& path, StatFileCache& files) const {
  const std::string primaryDir = primary().dir(path);
  auto s = statsWithTaskCounts(files, primaryDir, "tasks");
  if (!s) return s;
  std::string& buf = files.buffer();
  // The walk validated the primary directory; the other hierarchies' directories of the same
  // cgroup are tied to it (created and removed together), which saves a stat() each.
  auto validated = files.dir(primaryDir);
  if (!validated) return fail(validated.error());
  const uint64_t identity = (*validated)->identity();
  // A hierarchy without the cgroup leaves its values out; the walk above found the cgroup.
  const auto open = [&](int index) -> StatDir* {
    const Hierarchy* h = at(index);
    if (!h) return nullptr;
    auto dir = h == &primary() ? files.dir(h->dir(path)) : files.dir(h->dir(path), identity);
    return dir ? *dir : nullptr;
  };
  StatDir* cpu = open(cpu_);
  if (cpu) readCpuV1(*cpu, buf, *s);
  StatDir* cpuacct = open(cpuacct_);
  if (cpuacct) readCpuacctV1(*cpuacct, buf, ticksPerSecond_, s->cpu);
  StatDir* memory = open(memory_);
  if (memory) readMemoryV1(*memory, buf, pageSize_, *s);
  const auto gone = [](const StatDir* d) { return d && d->gone(); };
  if (gone(cpu) || gone(cpuacct) || gone(memory))
    return failSys(ENOENT, "cgroup " + path + " removed while reading it");
  return s;
}

Result<void> V1Manager::killAll(const CgroupPath& path) {
  std::optional<TreeFreezer> freezer;
  if (const Hierarchy* h = find("freezer"); h && isDirectory(h->dir(path))) {
    freezer = freezerV1(h->dir(path), *signaller_);
  }
  return killUntilEmpty(primary().dir(path), freezer, *signaller_);
}

Result<void> V1Manager::remove(const CgroupPath& path) {
  // Stops at the first failure: it is EBUSY from live tasks, which every hierarchy shares.
  for (const Hierarchy& h : hierarchies_) {
    if (auto r = removeTree(h.dir(path), *signaller_); !r) return r;
  }
  return {};
}

bool V1Manager::exists(const CgroupPath& path) const { return isDirectory(primary().dir(path)); }

}  // namespace podkeeper::runtime::cgroup
