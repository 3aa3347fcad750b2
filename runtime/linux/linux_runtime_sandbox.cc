#include <spdlog/spdlog.h>
#include <unistd.h>

#include "runtime/bundle/state_json.h"
#include "runtime/linux/linux_runtime.h"
#include "runtime/sandbox/host_path.h"
#include "runtime/sandbox/pid_reaper.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/start_timeline.h"

// LinuxRuntime's sandbox calls: made, volumes prepared and refreshed, stop recorded, removed.
namespace podkeeper::runtime {

// Asked before every container start. A container restarting in its pod asks under the same
// spec: the record written last time tells runtime::ensureSandbox so, which then neither checks
// the namespace pins again nor rewrites sandbox.json. What can change under a running pod is
// still seen to on every call: the emptyDirs' fsGroup ownership (runtime::ensureSandbox), the
// pid namespace's reaper (a process: a pid namespace whose init died takes no new container),
// and the hostPath checks (prepareVolumes).
Result<void> LinuxRuntime::ensureSandbox(const SandboxSpec& spec) {
  std::optional<SandboxRecord> known;
  {
    std::lock_guard lock(mu_);
    if (auto it = written_.find(spec.uid); it != written_.end()) known = it->second;
  }
  const bool fresh = !known;
  // Its containers' shims, started while the sandbox is made (ShimStandby).
  if (fresh && config_.standbyShims > 0)
    if (auto sealed = shim()) standby(**sealed).refill();
  StartTimeline timeline;
  std::optional<uint32_t> userHostId;
  if (!spec.hostUsers) {
    auto ids = userNamespaceIds(spec.uid);
    if (!ids) return fail(ids.error().context("sandbox " + spec.namespace_ + "/" + spec.name));
    userHostId = *ids;
  }
  auto record = runtime::ensureSandbox(layout_, cgroups_, spec, config_.nodeFiles,
                                       known ? &*known : nullptr, userHostId, &timeline,
                                       config_.standbyNamespaces ? &nsStandby_ : nullptr);
  if (fresh && record) {
    spdlog::debug("pod {}/{}: sandbox timeline ms: ensure={:.3f} {}", spec.namespace_, spec.name,
                  double(timeline.elapsedNs()) / 1e6, timeline.format());
  }
  Result<void> r;
  if (record) {
    std::lock_guard lock(mu_);
    written_.insert_or_assign(spec.uid, std::move(*record));
  } else {
    std::lock_guard lock(mu_);
    written_.erase(spec.uid);
    r = fail(record.error());
  }
  if (r && spec.shareProcessNamespace) {
    auto sealed = shim();
    r = sealed ? ensurePidReaper(layout_, spec.uid, **sealed, cgroups_,
                                 config_.cgroupRoot + "/shims", config_.startTimeout)
               : Result<void>(fail(sealed.error()));
  }
  if (!r) return fail(r.error().context("sandbox " + spec.namespace_ + "/" + spec.name));
  return r;
}

Result<void> LinuxRuntime::prepareVolumes(const SandboxSpec& spec) {
  for (const auto& v : spec.hostPaths) {
    if (auto r = prepareHostPath(v.path, v.type); !r) {
      return fail(r.error().context("MountVolume.SetUp failed for volume \"" + v.name + "\""));
    }
  }
  return {};
}

Result<void> LinuxRuntime::updateDownwardAPI(const SandboxSpec& spec) {
  if (auto r = checkPathComponent("sandbox uid", spec.uid); !r) return r;
  if (::access(layout_.sandboxFile(spec.uid).c_str(), F_OK) != 0) return {};
  auto wrote = writeDownwardAPIVolumes(layout_, spec, realtimeNs());
  if (!wrote) return fail(wrote.error().context("pod " + spec.namespace_ + "/" + spec.name));
  if (*wrote) {
    spdlog::info("pod {}/{}: downwardAPI volumes updated", spec.namespace_, spec.name);
  }
  return {};
}

Result<void> LinuxRuntime::recordStop(const std::string& sandboxUid, const StopRecord& stop) {
  if (auto r = checkPathComponent("sandbox uid", sandboxUid); !r) return fail(r.error());
  if (::access(layout_.podDir(sandboxUid).c_str(), F_OK) != 0) return {};  // already gone
  return writeFileAtomic(layout_.stopFile(sandboxUid), encodeStopRecord(stop));
}

// In-place resize: the limits go to the cgroups with the writers containers start with
// (CgroupManager::apply: v1, v2 and hybrid), pids and devices untouched; sandbox.json takes
// the new spec hash and allocation only once every write succeeded, so a failed or
// interrupted resize is tried again.
Result<void> LinuxRuntime::updateResources(const ResourceUpdate& u) {
  auto rec = loadSandbox(u.sandboxUid);
  if (!rec) return fail(rec.error().context("sandbox " + u.sandboxUid));
  const std::string pod = podName(u.sandboxUid);
  auto limitsOnly = [](cgroup::Resources r) {
    r.pidsLimit.reset();
    r.devices.reset();
    return r;
  };
  auto writeContainers = [&](const auto& list) -> Result<void> {
    for (const auto& [name, resources] : list) {
      auto path = containerCgroup(u.sandboxUid, name);
      if (!path) return fail(path.error().context("pod " + pod + " container " + name));
      if (auto r = checkCgroupPath("cgroupPath", *path); !r) return fail(r.error());
      if (!cgroups_.exists(*path)) continue;  // not running: it starts with the new limits
      if (auto r = cgroups_.apply(*path, limitsOnly(resources)); !r)
        return fail(r.error().context("pod " + pod + " container " + name + ": resize"));
    }
    return {};
  };
  if (auto r = writeContainers(u.shrinking); !r) return r;
  if (u.pod) {
    if (auto r = cgroups_.apply(rec->cgroupParent, limitsOnly(*u.pod)); !r)
      return fail(r.error().context("pod " + pod + ": resize of the pod cgroup"));
  }
  if (auto r = writeContainers(u.growing); !r) return r;
  SandboxRecord next = *rec;
  next.specHash = u.specHash;
  next.allocated = u.allocated;
  if (next == *rec) return {};
  if (auto r = replaceFile(layout_.sandboxFile(u.sandboxUid), encodeSandboxRecord(next)); !r)
    return fail(r.error().context("pod " + pod));
  std::lock_guard lock(mu_);
  written_.insert_or_assign(u.sandboxUid, std::move(next));
  return {};
}

Result<std::optional<int64_t>> LinuxRuntime::containerMemoryUsage(const std::string& sandboxUid,
                                                                  const std::string& name) {
  auto path = containerCgroup(sandboxUid, name);
  if (!path) return fail(path.error());
  if (auto r = checkCgroupPath("cgroupPath", *path); !r) return fail(r.error());
  if (!cgroups_.exists(*path)) return std::optional<int64_t>();
  auto stats = cgroups_.stats(*path);
  if (!stats) return fail(stats.error());
  if (!stats->memory.usageBytes) return std::optional<int64_t>();
  return std::optional<int64_t>(int64_t(*stats->memory.usageBytes));
}

Result<void> LinuxRuntime::removeSandbox(const std::string& sandboxUid) {
  {
    std::lock_guard lock(mu_);
    written_.erase(sandboxUid);
  }
  auto r = runtime::removeSandbox(layout_, cgroups_, sandboxUid);
  // Free once nothing of the pod is left: its processes are gone with its cgroup.
  std::lock_guard lock(userNamespacesMu_);
  if (auto held = userNamespaceIds_.find(sandboxUid); r && held != userNamespaceIds_.end()) {
    userNamespaces_->release(held->second);
    userNamespaceIds_.erase(held);
  }
  return r;
}

Result<void> LinuxRuntime::releaseSandbox(const std::string& sandboxUid) {
  return runtime::releaseSandbox(layout_, cgroups_, sandboxUid);
}

Result<uint32_t> LinuxRuntime::userNamespaceIds(const std::string& uid) {
  std::lock_guard lock(userNamespacesMu_);  // not mu_: loadSandbox takes that one
  if (!userNamespaces_) {
    UserNamespaceAllocator allocator(config_.userNamespaces);
    auto uids = listSubdirs(layout_.podsDir());
    if (!uids) return fail(uids.error());
    for (const auto& pod : *uids) {
      auto rec = loadSandbox(pod);
      if (!rec || !rec->userNamespaceHostId) continue;
      if (auto r = allocator.record(*rec->userNamespaceHostId); !r) {
        spdlog::warn("pod {}: {}", podName(pod), r.error().message);
        continue;
      }
      userNamespaceIds_[pod] = *rec->userNamespaceHostId;
    }
    userNamespaces_ = std::move(allocator);
  }
  if (auto held = userNamespaceIds_.find(uid); held != userNamespaceIds_.end()) return held->second;
  auto ids = userNamespaces_->allocate();
  if (!ids) return fail(ids.error());
  userNamespaceIds_[uid] = *ids;
  return *ids;
}

}  // namespace podkeeper::runtime
