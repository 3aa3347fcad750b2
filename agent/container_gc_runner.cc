#include "agent/container_gc_runner.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "runtime/logs/cri_log.h"

namespace podkeeper::agent {
namespace {

namespace fs = std::filesystem;

int64_t mtimeNs(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

// The names in dir (files and directories), empty when it cannot be read.
std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    out.push_back(it->path().filename().string());
  return out;
}

// "<namespace>_<name>_<uid>": the uid after the last '_', when the name has that shape.
std::optional<std::string> podDirUid(const std::string& name) {
  const auto last = name.rfind('_');
  if (last == std::string::npos || last == 0 || last + 1 == name.size()) return std::nullopt;
  if (name.find('_') == last) return std::nullopt;
  return name.substr(last + 1);
}

}  // namespace

LogGcSnapshot logGcSnapshot(const status::PodReader& pods, const std::string& logDir,
                            int64_t nowNs) {
  LogGcSnapshot s;
  s.logDir = logDir;
  s.takenAtNs = nowNs;
  for (const auto& [key, pod] : pods.desired()) s.uids.insert(pod.uid);
  for (const auto* sandbox : pods.observedSandboxes()) {
    s.uids.insert(sandbox->uid);
    LogGcSnapshot::Pod p{
        sandbox->uid,
        logDir + "/" + sandbox->namespace_ + "_" + sandbox->name + "_" + sandbox->uid,
        {}};
    for (const auto& c : sandbox->containers) p.restarts[c.name] = c.restartCount;
    s.pods.push_back(std::move(p));
  }
  return s;
}

LogGcResult collectLogGarbage(const LogGcSnapshot& snapshot,
                              const reconciler::ContainerGcPolicy& policy) {
  LogGcResult result;
  // Earlier instances: their files by (uid, container, restart).
  std::map<std::tuple<std::string, std::string, int>, std::vector<std::string>> files;
  std::vector<reconciler::DeadInstance> dead;
  for (const auto& pod : snapshot.pods) {
    for (const auto& [container, current] : pod.restarts) {
      const std::string dir = pod.dir + "/" + container;
      std::map<int, int64_t> lastWrite;
      for (const auto& name : entries(dir)) {
        const auto restart = runtime::restartOfLogFile(name);
        if (!restart || *restart >= current) continue;
        const std::string path = dir + "/" + name;
        files[{pod.uid, container, int(*restart)}].push_back(path);
        auto& at = lastWrite[int(*restart)];
        at = std::max(at, mtimeNs(path));
      }
      for (const auto& [restart, at] : lastWrite) dead.push_back({pod.uid, container, restart, at});
    }
  }
  for (const auto& d : reconciler::planContainerGc(dead, policy, snapshot.takenAtNs)) {
    for (const auto& path : files[{d.podUid, d.container, d.restartCount}]) {
      std::error_code ec;
      fs::remove(path, ec);
      if (ec) spdlog::warn("container GC: remove {}: {}", path, ec.message());
    }
    ++result.deadInstances;
  }
  // Directories of pods that are gone (an agent killed while removing one, a state directory
  // lost with a reboot): never one of a known uid, nor one made after the snapshot.
  for (const auto& name : entries(snapshot.logDir)) {
    const auto uid = podDirUid(name);
    if (!uid || snapshot.uids.contains(*uid)) continue;
    const std::string path = snapshot.logDir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    if (mtimeNs(path) >= snapshot.takenAtNs) continue;
    std::error_code ec;
    fs::remove_all(path, ec);
    if (ec) {
      spdlog::warn("container GC: remove the orphaned log directory {}: {}", path, ec.message());
      continue;
    }
    spdlog::info("container GC: removed the log directory {} of a pod no longer on the node", path);
    ++result.orphanDirs;
  }
  return result;
}

void ContainerGcRunner::run(LogGcSnapshot snapshot) {
  if (running_) {
    next_ = std::move(snapshot);
    return;
  }
  running_ = true;
  worker_.run([policy = policy_,
               snapshot = std::move(snapshot)] { return collectLogGarbage(snapshot, policy); },
              [this](LogGcResult r) {
                running_ = false;
                if (r.deadInstances > 0)
                  spdlog::info("container GC: removed the logs of {} dead container instances",
                               r.deadInstances);
                if (next_) {
                  auto again = std::move(*next_);
                  next_.reset();
                  run(std::move(again));
                }
              });
}

void ContainerGcRunner::resync(const std::function<LogGcSnapshot()>& snapshot) {
  constexpr auto kPeriod = std::chrono::minutes(1);
  const auto now = std::chrono::steady_clock::now();
  if (lastPass_ && !restarted_ && now - *lastPass_ < kPeriod) return;
  lastPass_ = now;
  restarted_ = false;
  run(snapshot());
}

}  // namespace podkeeper::agent
