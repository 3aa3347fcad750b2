#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>

#include "runtime/bundle/container_config.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/bundle/shim_launcher.h"
#include "runtime/linux/linux_runtime.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/small_file.h"

// The read side of LinuxRuntime: the state directory plus liveness checked now.
namespace podkeeper::runtime {
namespace {

// The kubelet reads at most 4 KiB of a termination message. The file is the container's to
// write: read it as untrusted (no FIFO can block the read, no symlink redirect it).
std::string readTerminationMessage(const ContainerPaths& paths) {
  auto text = readSmallFile(paths.dataDir, "termination-log", {.maxBytes = 4096, .truncate = true});
  if (!text && text.error().code != ENOENT) {
    spdlog::warn("container dir {}: termination message: {}", paths.dir, text.error().message);
  }
  return text ? *text : "";
}

// The pods known on the node: those with a state directory, and those with only data left in
// the root directory (the state directory is a tmpfs: after a reboot only the data is left),
// which show without a record and are removed.
Result<std::vector<std::string>> knownPods(const StateLayout& layout) {
  auto uids = listSubdirs(layout.podsDir());
  if (!uids) return fail(uids.error());
  auto data = listSubdirs(layout.dataRoot() + "/pods");
  if (!data) return fail(data.error());
  uids->insert(uids->end(), data->begin(), data->end());
  std::sort(uids->begin(), uids->end());
  uids->erase(std::unique(uids->begin(), uids->end()), uids->end());
  return uids;
}

// What the shim counted in ContainerPaths::logDropped; 0 while the file is absent.
uint64_t readLogDropped(const ContainerPaths& paths) {
  auto text = readWholeFile(paths.logDropped());
  if (!text) return 0;
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  (void)end;
  return ec == std::errc() ? n : 0;
}

// A container its shim started (state.json), with liveness checked now.
ContainerState startedContainer(const std::string& name, const ContainerRecord& rec,
                                ProcessLiveness& liveness) {
  return {.name = name,
          .image = rec.image,
          .imageId = "",  // from config.json, read by observeContainer
          .cgroupPath = rec.cgroupPath,
          .shimPid = rec.shimPid,
          .pid = rec.pid,
          .startedAtNs = rec.startedAtNs,
          .restartCount = rec.restartCount,
          .stopSignal = rec.stopSignal,
          .running = liveness.alive(rec.pid, rec.pidStartTime),
          .shimAlive = liveness.alive(rec.shimPid, rec.shimStartTime),
          .exit = std::nullopt,  // these two from exit.json, read by observeContainer
          .terminationMessage = "",
          .user = std::nullopt,
          .logEntriesDropped = 0};  // read by observeContainer
}

// A container with no (readable) state.json: what its config.json says it was to be.
ContainerState unstartedContainer(const std::string& name, const ContainerPaths& paths) {
  ContainerState s;
  s.name = name;
  if (auto cfg = readShimConfig(paths.config())) {
    s.image = cfg->image;
    s.imageId = cfg->imageId;
    s.cgroupPath = cfg->cgroupPath;
    s.restartCount = cfg->restartCount;
    s.stopSignal = cfg->stopSignal;
  }
  return s;
}

}  // namespace

Result<SandboxRecord> LinuxRuntime::loadSandbox(const std::string& uid) const {
  {
    std::lock_guard lock(mu_);
    if (auto known = written_.find(uid); known != written_.end()) return known->second;
  }
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return fail(r.error());
  const std::string file = layout_.sandboxFile(uid);
  auto text = readWholeFile(file);
  if (!text) return fail(text.error());
  return decodeSandboxRecord(*text, file);
}

Result<ContainerRecord> LinuxRuntime::loadContainer(const std::string& uid,
                                                    const std::string& name) const {
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return fail(r.error());
  if (auto r = checkPathComponent("container name", name); !r) return fail(r.error());
  const std::string file = layout_.container(uid, name).state();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return failSys(errno, file);
  const auto ns = [](const timespec& t) { return int64_t(t.tv_sec) * 1000000000 + t.tv_nsec; };
  const auto same = [&](const ParsedRecord& p) {
    return p.dev == st.st_dev && p.ino == st.st_ino && p.size == st.st_size &&
           p.mtimeNs == ns(st.st_mtim) && p.ctimeNs == ns(st.st_ctim);
  };
  {
    std::lock_guard lock(mu_);
    if (auto it = records_.find(file); it != records_.end() && same(it->second))
      return it->second.record;
  }
  // Replaced between the stat and the read: kept under the older identity, so read again at
  // the next look (never older contents under a newer identity).
  auto rec = readContainerRecord(file);
  if (!rec) return rec;
  constexpr size_t kRecordsMax = 4096;
  std::lock_guard lock(mu_);
  if (records_.size() >= kRecordsMax) records_.clear();
  records_.insert_or_assign(
      file, ParsedRecord{st.st_dev, st.st_ino, st.st_size, ns(st.st_mtim), ns(st.st_ctim), *rec});
  return rec;
}

std::string LinuxRuntime::podName(const std::string& uid) const {
  auto rec = loadSandbox(uid);
  return rec ? rec->namespace_ + "/" + rec->name + " (" + uid + ")" : uid;
}

Result<cgroup::CgroupPath> LinuxRuntime::containerCgroup(const std::string& uid,
                                                         const std::string& name) const {
  if (auto rec = loadContainer(uid, name)) return rec->cgroupPath;
  auto cfg = readShimConfig(layout_.container(uid, name).config());
  if (!cfg) return fail(cfg.error());
  return cfg->cgroupPath;
}

// A container without state.json never finished starting: pid 0, not running, no exit.
ContainerState LinuxRuntime::observeContainer(const std::string& uid, const std::string& name,
                                              std::optional<LiveIds>* ids) const {
  const auto paths = layout_.container(uid, name);
  auto rec = loadContainer(uid, name);
  ContainerState s =
      rec ? startedContainer(name, *rec, liveness_) : unstartedContainer(name, paths);
  if (ids && rec) *ids = LiveIds{rec->pid, rec->pidStartTime, rec->shimPid, rec->shimStartTime};
  if (!rec && rec.error().code != ENOENT) {
    spdlog::warn("sandbox {}: container {}: {}", uid, name, rec.error().message);
  } else if (!rec) {
    // Not started yet: a shim may still be starting it (the agent was killed mid-start).
    s.shimAlive = shimHoldsBundle(paths.dir);
  } else {
    constexpr size_t kConfigFactsMax = 4096;
    std::unique_lock lock(mu_);
    auto it = configFacts_.find(paths.dir);
    if (it == configFacts_.end() || it->second.pid != rec->pid ||
        it->second.pidStartTime != rec->pidStartTime) {
      lock.unlock();
      auto cfg = readShimConfig(paths.config());
      lock.lock();
      if (cfg) {
        if (configFacts_.size() >= kConfigFactsMax) configFacts_.clear();
        it = configFacts_
                 .insert_or_assign(paths.dir, ConfigFacts{rec->pid, rec->pidStartTime,
                                                          containerUser(*cfg), cfg->imageId})
                 .first;
      } else {
        it = configFacts_.end();
      }
    }
    if (it != configFacts_.end()) {
      s.user = it->second.user;
      s.imageId = it->second.imageId;
    }
  }
  if (rec) s.logEntriesDropped = readLogDropped(paths);
  if (s.running) return s;  // a running instance has no exit record (its shim writes one)
  if (auto text = readWholeFile(paths.exit())) {
    auto exit = decodeExitRecord(*text, paths.exit());
    if (exit) {
      s.exit = *exit;
      s.terminationMessage = readTerminationMessage(paths);
    } else {
      spdlog::warn("sandbox {}: container {}: {}", uid, name, exit.error().message);
    }
  }
  return s;
}

Result<std::optional<SandboxState>> LinuxRuntime::inspect(const std::string& sandboxUid) {
  return observeSandbox(sandboxUid, nullptr);
}

Result<std::optional<SandboxState>> LinuxRuntime::observeSandbox(
    const std::string& sandboxUid, std::optional<std::vector<LiveIds>>* ids) {
  if (auto r = checkPathComponent("sandbox uid", sandboxUid); !r) return fail(r.error());
  // Each directory is watched before it is read, so a change made after its read is reported.
  bool watched = changed_.watch(layout_.podDir(sandboxUid), sandboxUid);
  if (::access(layout_.podDir(sandboxUid).c_str(), F_OK) != 0 &&
      ::access(layout_.podDataDir(sandboxUid).c_str(), F_OK) != 0) {
    return std::optional<SandboxState>();
  }
  SandboxState s;
  s.uid = sandboxUid;
  if (auto rec = loadSandbox(sandboxUid)) {
    s.name = rec->name;
    s.namespace_ = rec->namespace_;
    s.specHash = rec->specHash;
    s.allocated = rec->allocated;
    s.cgroupParent = rec->cgroupParent;
    s.terminationGracePeriodSeconds = rec->terminationGracePeriodSeconds;
    s.createdAtNs = rec->createdAtNs;
    s.sidecars = rec->sidecars;
  } else {
    spdlog::warn("sandbox {}: {}", sandboxUid, rec.error().message);
  }
  if (auto text = readWholeFile(layout_.stopFile(sandboxUid))) {
    if (auto stop = decodeStopRecord(*text, layout_.stopFile(sandboxUid)))
      s.stop = *stop;
    else
      spdlog::warn("sandbox {}: {}", sandboxUid, stop.error().message);
  }
  s.released = ::access(layout_.releasedFile(sandboxUid).c_str(), F_OK) == 0;
  watched = changed_.watch(layout_.containersDir(sandboxUid), sandboxUid) && watched;
  auto names = listSubdirs(layout_.containersDir(sandboxUid));
  if (!names) return fail(names.error());
  std::vector<LiveIds> live;
  for (const auto& name : *names) {
    watched = changed_.watch(layout_.container(sandboxUid, name).dir, sandboxUid) && watched;
    std::optional<LiveIds> id;
    s.containers.push_back(observeContainer(sandboxUid, name, ids ? &id : nullptr));
    if (!id) watched = false;  // not started: its shim's lock is no directory change
    if (id) live.push_back(*id);
  }
  if (ids) *ids = watched ? std::optional(std::move(live)) : std::nullopt;
  return std::optional<SandboxState>(std::move(s));
}

Result<std::vector<SandboxState>> LinuxRuntime::list() {
  std::lock_guard listLock(listMu_);
  lastList_ = {};
  // The pods a change in the state directory touched since the last list are read again (all
  // of them when that is not known); a pod directory that came or went lists the roots again.
  const auto changes = changed_.take();
  if (changes.all) {
    listed_.clear();
    knownUids_.reset();
  }
  for (const auto& owner : changes.owners) {
    if (owner.empty())
      knownUids_.reset();
    else
      listed_.erase(owner);
  }
  std::vector<std::string> unwatched;
  if (!knownUids_) {
    const bool watched =
        changed_.watch(layout_.podsDir(), "") && changed_.watch(layout_.dataRoot() + "/pods", "");
    auto uids = knownPods(layout_);
    if (!uids) return fail(uids.error());
    if (watched)
      knownUids_ = std::move(*uids);
    else
      unwatched = std::move(*uids);
  }
  const std::vector<std::string>& uids = knownUids_ ? *knownUids_ : unwatched;
  // A kept pod's processes are checked now (all of them in one poll): one that exited (its
  // shim writes the exit record after this) makes the pod read again.
  std::vector<ProcessLiveness::Id> ids;
  for (const auto& uid : uids)
    if (auto it = listed_.find(uid); it != listed_.end())
      for (const LiveIds& id : it->second.ids) {
        ids.emplace_back(id.pid, id.pidStartTime);
        ids.emplace_back(id.shimPid, id.shimStartTime);
      }
  const std::vector<bool> alive = liveness_.aliveAll(ids);
  size_t next = 0;
  const auto stillLive = [&](const ListedSandbox& listed) {
    bool same = true;
    for (size_t i = 0; i < listed.ids.size(); ++i) {
      const ContainerState& c = listed.state.containers[i];
      same = alive[next++] == c.running && same;
      same = alive[next++] == c.shimAlive && same;
    }
    return same;
  };
  std::vector<SandboxState> out;
  for (const auto& uid : uids) {
    if (auto it = listed_.find(uid); it != listed_.end()) {
      if (stillLive(it->second)) {
        out.push_back(it->second.state);
        ++lastList_.kept;
        continue;
      }
      listed_.erase(it);
    }
    std::optional<std::vector<LiveIds>> ids;
    auto s = observeSandbox(uid, &ids);
    if (!s) return fail(s.error());
    ++lastList_.read;
    if (!*s) continue;
    if (ids) listed_.insert_or_assign(uid, ListedSandbox{**s, std::move(*ids)});
    out.push_back(std::move(**s));
  }
  std::erase_if(listed_, [&](const auto& entry) {
    return !std::binary_search(uids.begin(), uids.end(), entry.first);
  });
  liveness_.sweep();  // every container was just looked at: the others are gone
  return out;
}

LinuxRuntime::ListCounts LinuxRuntime::lastList() const {
  std::lock_guard listLock(listMu_);
  return lastList_;
}

}  // namespace podkeeper::runtime
