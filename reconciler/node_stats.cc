#include "reconciler/node_stats.h"

#include <spdlog/spdlog.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>

#include <cerrno>
#include <cstring>

#include "reconciler/storage_monitor.h"
#include "runtime/cgroup/file_parsers.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::reconciler {
namespace {

std::optional<int64_t> workingSet(const runtime::cgroup::MemoryStats& m) {
  if (!m.usageBytes) return std::nullopt;
  const uint64_t inactive = m.inactiveFileBytes.value_or(0);
  return int64_t(*m.usageBytes > inactive ? *m.usageBytes - inactive : 0);
}

void statFs(const std::string& dir, Signal bytes, Signal inodes, Observations& out) {
  struct statvfs s {};
  if (::statvfs(dir.c_str(), &s) != 0) {
    spdlog::warn("eviction: statvfs {}: {}", dir, std::strerror(errno));
    return;
  }
  out[bytes] = {int64_t(s.f_bavail) * int64_t(s.f_frsize),
                int64_t(s.f_blocks) * int64_t(s.f_frsize)};
  if (s.f_files > 0) out[inodes] = {int64_t(s.f_ffree), int64_t(s.f_files)};
}

std::string readOrEmpty(const std::string& path) {
  auto text = runtime::readWholeFile(path);
  return text ? *text : std::string();
}

}  // namespace

std::optional<int64_t> meminfoBytes(std::string_view meminfo, std::string_view key) {
  size_t at = 0;
  while (at < meminfo.size()) {
    size_t nl = meminfo.find('\n', at);
    std::string_view line = meminfo.substr(at, nl == std::string_view::npos ? nl : nl - at);
    at = nl == std::string_view::npos ? meminfo.size() : nl + 1;
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    line.remove_prefix(key.size() + 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    const size_t sp = line.find(' ');
    auto v = runtime::cgroup::parseUint(line.substr(0, sp));
    if (!v) return std::nullopt;
    const bool kb = sp != std::string_view::npos && line.substr(sp + 1) == "kB";
    return int64_t(*v) * (kb ? 1024 : 1);
  }
  return std::nullopt;
}

Result<Observation> memoryAvailable(const RootMemoryFiles& f) {
  auto total = meminfoBytes(f.meminfo, "MemTotal");
  if (!total) return failMsg("meminfo: no MemTotal");
  int64_t usage = 0;
  std::optional<uint64_t> inactive;
  if (f.v2) {
    auto free = meminfoBytes(f.meminfo, "MemFree");
    if (!free) return failMsg("meminfo: no MemFree");
    usage = *total - *free;
    inactive = runtime::cgroup::flatKeyedValue(f.memoryStat, "inactive_file");
  } else {
    auto u = runtime::cgroup::parseUint(f.usageInBytes);
    if (!u) return failMsg("memory.usage_in_bytes: \"" + f.usageInBytes + "\" is not a number");
    usage = int64_t(*u);
    inactive = runtime::cgroup::flatKeyedValue(f.memoryStat, "total_inactive_file");
  }
  const int64_t ws = std::max<int64_t>(usage - int64_t(inactive.value_or(0)), 0);
  return Observation{*total - ws, *total};
}

Result<Observation> pidAvailable(std::string_view pidMax, std::string_view threadsMax,
                                 int64_t running) {
  auto max = runtime::cgroup::parseUint(pidMax);
  if (!max) return failMsg("pid_max: \"" + std::string(pidMax) + "\" is not a number");
  if (auto threads = runtime::cgroup::parseUint(threadsMax); threads && *threads < *max)
    max = threads;
  return Observation{int64_t(*max) - running, int64_t(*max)};
}

LinuxNodeStats::LinuxNodeStats(const runtime::cgroup::CgroupManager& cgroups, NodeStatsPaths paths)
    : cgroups_(cgroups), paths_(std::move(paths)) {}

Observations LinuxNodeStats::observe() {
  Observations out;
  RootMemoryFiles files;
  files.v2 = cgroups_.mode() == runtime::cgroup::Mode::V2;
  files.meminfo = readOrEmpty(paths_.procRoot + "/meminfo");
  const std::string memoryRoot = paths_.cgroupMount + (files.v2 ? "" : "/memory");
  if (!files.v2) files.usageInBytes = readOrEmpty(memoryRoot + "/memory.usage_in_bytes");
  files.memoryStat = readOrEmpty(memoryRoot + "/memory.stat");
  if (auto m = memoryAvailable(files))
    out[Signal::MemoryAvailable] = *m;
  else
    spdlog::warn("eviction: memory.available from {}: {}", memoryRoot, m.error().message);
  statFs(paths_.rootDir, Signal::NodeFsAvailable, Signal::NodeFsInodesFree, out);
  statFs(paths_.imageDir, Signal::ImageFsAvailable, Signal::ImageFsInodesFree, out);
  struct sysinfo info {};
  if (::sysinfo(&info) == 0) {
    auto pids =
        pidAvailable(readOrEmpty(paths_.procRoot + "/sys/kernel/pid_max"),
                     readOrEmpty(paths_.procRoot + "/sys/kernel/threads-max"), int64_t(info.procs));
    if (pids) out[Signal::PidAvailable] = *pids;
  }
  return out;
}

void LinuxNodeStats::measurePod(PodUsageRequest& r, bool disk) {
  auto& c = r.candidate;
  if (auto s = cgroups_.stats(r.podCgroup)) {
    c.memoryWorkingSet = workingSet(s->memory);
    if (s->processes) c.processes = int64_t(*s->processes);
  }
  for (auto& container : c.containers) {
    auto path = r.containerCgroups.find(container.name);
    if (path == r.containerCgroups.end()) continue;
    if (auto s = cgroups_.stats(path->second)) container.memoryWorkingSet = workingSet(s->memory);
  }
  if (!disk) return;
  const PodStorageUsage used = measureStorage(r.storage);
  int64_t total = 0;
  for (auto& container : c.containers) {
    auto it = used.containers.find(container.name);
    container.diskBytes = it == used.containers.end() ? 0 : int64_t(it->second);
    total += *container.diskBytes;
  }
  for (const auto& [name, bytes] : used.emptyDirs) total += int64_t(bytes);
  c.diskBytes = total;
}

}  // namespace podkeeper::reconciler
