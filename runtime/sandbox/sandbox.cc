#include "runtime/sandbox/sandbox.h"

#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <map>
#include <vector>

#include "runtime/bundle/state_json.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sandbox/pid_reaper.h"
#include "runtime/sandbox/user_namespace_ids.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/file_tree.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/small_file.h"
#include "runtime/sys/syscalls.h"
#include "runtime/sys/wait.h"

namespace podkeeper::runtime {
namespace {

constexpr auto kStopTimeout = std::chrono::seconds(5);

// Pidfds of the shims recorded in the pod's containers, for waiting on them.
std::vector<UniqueFd> openShimPidfds(const StateLayout& layout, const std::string& uid) {
  std::vector<UniqueFd> fds;
  auto names = listSubdirs(layout.containersDir(uid));
  if (!names) return fds;
  for (const auto& name : *names) {
    const auto paths = layout.container(uid, name);
    auto rec = readContainerRecord(paths.state());
    if (!rec) continue;
    if (auto fd = openCheckedPidfd(rec->shimPid, rec->shimStartTime)) fds.push_back(std::move(*fd));
  }
  return fds;
}

void stopShims(std::vector<UniqueFd>& shims, const std::string& uid) {
  for (auto& fd : shims) {
    if (waitReadable(fd.get(), kStopTimeout)) continue;
    spdlog::warn("sandbox {}: shim did not exit after its container; killing it", uid);
    sys::pidfdSendSignal(fd.get(), SIGKILL);
    waitReadable(fd.get(), kStopTimeout);
  }
}

Result<void> removePodCgroup(cgroup::CgroupManager& cgroups, const cgroup::CgroupPath& path) {
  if (auto r = checkCgroupPath("cgroupParent", path); !r) return r;
  if (!cgroups.exists(path)) return {};
  if (auto r = cgroups.killAll(path); !r) return r;
  return removeKilledCgroup(cgroups, path);
}

// The pod's log directory, with its containers' current, previous and rotated logs, as the
// kubelet removes it with the pod. Only a directory named for this pod's uid is removed.
Result<void> removePodLogs(const SandboxRecord& record) {
  const std::string& dir = record.logDir;
  if (dir.empty()) return {};
  const std::string suffix = "_" + record.uid;
  if (dir.front() != '/' || !dir.ends_with(suffix) || dir.find("/../") != std::string::npos) {
    return failMsg("sandbox.json: field \"logDir\": \"" + dir +
                   "\" is not an absolute directory named for uid " + record.uid);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return failSys(ec.value(), "remove pod logs " + dir);
  return {};
}

// The pod's hostname, or the node's when it shares the node's uts namespace.
std::string podHostname(const SandboxSpec& spec) {
  if (spec.hostNetwork) {
    char name[256] = {};
    ::gethostname(name, sizeof name - 1);
    return name;
  }
  const std::string name = podShortHostname(spec);
  if (spec.setHostnameAsFQDN && !spec.hostDomain.empty()) return name + "." + spec.hostDomain;
  return name;
}

// The pod's state directory and its data directory on disk.
Result<void> makeSandboxDirs(const StateLayout& layout, const SandboxSpec& spec) {
  if (auto r = checkPathComponent("sandbox uid", spec.uid); !r) return r;
  if (auto r = checkCgroupPath("cgroupParent", spec.cgroupParent); !r) return r;
  if (auto r = makePrivateDir(layout.podDir(spec.uid)); !r) return r;
  if (auto r = makeDirs(layout.containersDir(spec.uid), 0700); !r) return r;
  if (auto r = makePrivateDir(layout.dataRoot()); !r) return r;
  return makePrivateDir(layout.podDataDir(spec.uid));
}

// status.startTime: the first ensureSandbox's, as `known` or sandbox.json keeps it (an agent
// restarted meanwhile has only the file), else the spec's.
int64_t firstCreatedAtNs(const StateLayout& layout, const SandboxSpec& spec,
                         const SandboxRecord* known) {
  if (known) return known->createdAtNs > 0 ? known->createdAtNs : spec.createdAtNs;
  const std::string file = layout.sandboxFile(spec.uid);
  if (auto old = readWholeFile(file)) {
    auto previous = decodeSandboxRecord(*old, file);
    if (previous && previous->createdAtNs > 0) return previous->createdAtNs;
  }
  return spec.createdAtNs;
}

}  // namespace

int64_t realtimeNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Result<SandboxRecord> ensureSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                                    const SandboxSpec& spec, const NodeFiles& node,
                                    const SandboxRecord* known, std::optional<uint32_t> userHostId,
                                    StartTimeline* timeline, NamespaceStandby* standby) {
  const auto mark = [timeline](const char* stage) {
    if (timeline) timeline->mark(stage);
  };
  if (auto r = makeSandboxDirs(layout, spec); !r) return fail(r.error());
  const std::string podDir = layout.podDir(spec.uid);
  const std::string hostname = podHostname(spec);
  if (hostname.size() > 64)  // the kubelet's limit and words for setHostnameAsFQDN
    return failMsg("failed to construct FQDN from pod hostname and cluster domain, FQDN " +
                   hostname + " is too long (64 characters is the max, " +
                   std::to_string(hostname.size()) + " characters requested)");
  SandboxRecord record = sandboxRecordFor(spec, hostname);
  record.createdAtNs = firstCreatedAtNs(layout, spec, known);
  record.userNamespaceHostId = userHostId;
  const bool unchanged = known && *known == record;
  // New namespaces are made by a helper child while this thread writes the pod's files and
  // makes its cgroup; they are pinned once both are done.
  std::optional<NamespacePinning> pinning;
  const std::string nsDir = layout.nsDir(spec.uid);
  if (!unchanged) {
    auto kinds = podNamespaceKinds(record);
    if (!namespacePinsValid(nsDir, kinds)) {
      if (auto r = unpinNamespaces(nsDir); !r) return fail(r.error());
      kinds.erase(std::remove(kinds.begin(), kinds.end(), "user"), kinds.end());  // made first
      auto started =
          startPinningNamespaces(nsDir, kinds, hostname, spec.sysctls, userHostId, standby);
      if (!started) return fail(started.error().context("pin namespaces"));
      pinning.emplace(std::move(*started));
    }
  }
  if (!unchanged) {
    // Not synced, as the shim's state.json: it describes namespaces a reboot ends.
    if (auto r = replaceFile(layout.sandboxFile(spec.uid), encodeSandboxRecord(record)); !r) {
      return fail(r.error());
    }
  }
  if (auto r = writePodFiles(podDir, spec, hostname, node); !r) return fail(r.error());
  if (auto r = ensureEmptyDirs(layout, spec); !r) return fail(r.error());
  if (auto r = writeDownwardAPIVolumes(layout, spec, realtimeNs()); !r) return fail(r.error());
  mark("files");

  if (auto r = cgroups.create(spec.cgroupParent); !r) return fail(r.error().context("pod cgroup"));
  if (auto r = cgroups.apply(spec.cgroupParent, spec.resources); !r) {
    return fail(r.error().context("pod cgroup limits"));
  }
  mark("cgroup");
  if (!pinning) return record;
  if (auto r = pinning->finish(); !r) return fail(r.error().context("pin namespaces"));
  mark("pins");
  spdlog::info("sandbox {}/{} ({}): namespaces pinned, cgroup {}{}", spec.namespace_, spec.name,
               spec.uid, spec.cgroupParent,
               userHostId ? ", user namespace on host ids " + std::to_string(*userHostId) + "-" +
                                std::to_string(*userHostId + kUserNamespaceIds - 1)
                          : "");
  return record;
}

Result<void> removeSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                           const std::string& uid) {
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return r;
  const std::string podDir = layout.podDir(uid);
  if (!std::filesystem::exists(podDir) && !std::filesystem::exists(layout.podDataDir(uid))) {
    return {};
  }

  auto shims = openShimPidfds(layout, uid);
  auto text = readWholeFile(layout.sandboxFile(uid));
  auto record = text ? decodeSandboxRecord(*text, layout.sandboxFile(uid))
                     : Result<SandboxRecord>(fail(text.error()));
  if (record) {
    if (auto r = removePodCgroup(cgroups, record->cgroupParent); !r) {
      return fail(r.error().context("sandbox " + uid + ": remove cgroup " + record->cgroupParent));
    }
  } else {
    spdlog::warn("sandbox {}: no readable sandbox.json ({}); its cgroup is left alone", uid,
                 record.error().message);
  }
  stopShims(shims, uid);
  stopPidReaper(layout, uid);
  if (auto r = unpinNamespaces(layout.nsDir(uid)); !r) {
    return fail(r.error().context("sandbox " + uid));
  }
  if (auto r = unmountEmptyDirs(layout, uid); !r) return fail(r.error().context("sandbox " + uid));
  if (record) {
    if (auto r = removePodLogs(*record); !r) return fail(r.error().context("sandbox " + uid));
  }
  if (auto r = removeTree(layout.podDataDir(uid)); !r) {
    return fail(r.error().context("sandbox " + uid));
  }
  std::error_code ec;
  std::filesystem::remove_all(podDir, ec);
  if (ec) return failSys(ec.value(), "sandbox " + uid + ": remove " + podDir);
  spdlog::info("pod {}: sandbox removed",
               record ? record->namespace_ + "/" + record->name + " (" + uid + ")" : uid);
  return {};
}

Result<void> releaseSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                            const std::string& uid) {
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return r;
  const std::string podDir = layout.podDir(uid);
  if (::access(podDir.c_str(), F_OK) != 0) return {};  // removed: nothing to keep
  if (::access(layout.releasedFile(uid).c_str(), F_OK) == 0) return {};
  auto names = listSubdirs(layout.containersDir(uid));
  if (!names) return fail(names.error().context("sandbox " + uid));
  for (const auto& name : *names) {
    auto rec = readContainerRecord(layout.container(uid, name).state());
    if (rec && processAlive(rec->pid, rec->pidStartTime))
      return failSys(EBUSY, "sandbox " + uid + ": container " + name + " still runs");
  }
  auto shims = openShimPidfds(layout, uid);
  stopShims(shims, uid);
  stopPidReaper(layout, uid);
  auto text = readWholeFile(layout.sandboxFile(uid));
  auto record = text ? decodeSandboxRecord(*text, layout.sandboxFile(uid))
                     : Result<SandboxRecord>(fail(text.error()));
  if (!record) return fail(record.error().context("sandbox " + uid));
  if (auto r = removePodCgroup(cgroups, record->cgroupParent); !r)
    return fail(r.error().context("sandbox " + uid + ": remove cgroup " + record->cgroupParent));
  if (auto r = unpinNamespaces(layout.nsDir(uid)); !r)
    return fail(r.error().context("sandbox " + uid));
  // The termination messages are status: read (as the kubelet, at most 4 KiB) before the
  // containers' data goes, written back alone.
  std::map<std::string, std::string> messages;
  for (const auto& name : *names) {
    const auto paths = layout.container(uid, name);
    auto message =
        readSmallFile(paths.dataDir, "termination-log", {.maxBytes = 4096, .truncate = true});
    if (message && !message->empty()) messages[name] = *message;
    std::error_code ec;
    for (const char* leftover : {"rootfs", "attach", "seccomp.bpf"})
      std::filesystem::remove_all(paths.dir + "/" + leftover, ec);
  }
  if (auto r = unmountEmptyDirs(layout, uid); !r) return fail(r.error().context("sandbox " + uid));
  if (auto r = removeTree(layout.podDataDir(uid)); !r)
    return fail(r.error().context("sandbox " + uid));
  for (const auto& [name, message] : messages) {
    const auto paths = layout.container(uid, name);
    if (auto r = makeDirs(paths.dataDir, 0700); !r) return fail(r.error());
    if (auto r = writeFileAtomic(paths.terminationLog(), message); !r) return fail(r.error());
  }
  if (auto r = writeFileAtomic(layout.releasedFile(uid), ""); !r) return fail(r.error());
  spdlog::info(
      "pod {}/{} ({}): stopped for good; its volumes, writable layers, namespaces and "
      "cgroups are freed",
      record->namespace_, record->name, uid);
  return {};
}

Result<void> removeKilledCgroup(cgroup::CgroupManager& cgroups, const cgroup::CgroupPath& path) {
  if (!cgroups.exists(path)) return {};
  Result<void> removed;
  waitFor(kStopTimeout, [&] {
    removed = cgroups.remove(path);
    return removed.has_value() || removed.error().code != EBUSY;
  });
  return removed;
}

}  // namespace podkeeper::runtime
