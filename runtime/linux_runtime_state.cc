#include <spdlog/spdlog.h>

#include "runtime/atomic_file.h"
#include "runtime/linux_runtime.h"
#include "runtime/proc.h"
#include "runtime/shim_config.h"
#include "runtime/shim_launcher.h"

// The read side of LinuxRuntime: the state directory plus liveness checked now.
namespace podkeeper::runtime {
namespace {

// The kubelet reads at most 4 KiB of a termination message.
std::string readTerminationMessage(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return "";
  if (text->size() > 4096) text->resize(4096);
  return *text;
}

}  // namespace

Result<SandboxRecord> LinuxRuntime::loadSandbox(const std::string& uid) const {
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
  auto text = readWholeFile(file);
  if (!text) return fail(text.error());
  return decodeContainerRecord(*text, file);
}

std::string LinuxRuntime::podName(const std::string& uid) const {
  auto rec = loadSandbox(uid);
  return rec ? rec->namespace_ + "/" + rec->name + " (" + uid + ")" : uid;
}

Result<cgroup::CgroupPath> LinuxRuntime::containerCgroup(const std::string& uid,
                                                         const std::string& name) const {
  if (auto rec = loadContainer(uid, name)) return rec->cgroupPath;
  const std::string file = layout_.container(uid, name).config();
  auto text = readWholeFile(file);
  if (!text) return fail(text.error());
  auto cfg = decodeShimConfig(*text, file);
  if (!cfg) return fail(cfg.error());
  return cfg->cgroupPath;
}

// A container without state.json never finished starting: pid 0, not running, no exit.
ContainerState LinuxRuntime::observeContainer(const std::string& uid,
                                              const std::string& name) const {
  const auto paths = layout_.container(uid, name);
  ContainerState s;
  s.name = name;
  if (auto text = readWholeFile(paths.config())) {
    if (auto cfg = decodeShimConfig(*text, paths.config())) {
      s.image = cfg->image;
      s.cgroupPath = cfg->cgroupPath;
      s.restartCount = cfg->restartCount;
    }
  }
  if (auto rec = loadContainer(uid, name)) {
    s.image = rec->image;
    s.cgroupPath = rec->cgroupPath;
    s.shimPid = rec->shimPid;
    s.pid = rec->pid;
    s.startedAtNs = rec->startedAtNs;
    s.restartCount = rec->restartCount;
    s.running = processAlive(rec->pid, rec->pidStartTime);
    s.shimAlive = processAlive(rec->shimPid, rec->shimStartTime);
  } else if (rec.error().code != ENOENT) {
    spdlog::warn("sandbox {}: container {}: {}", uid, name, rec.error().message);
  } else {
    // Not started yet: a shim may still be starting it (the agent was killed mid-start).
    s.shimAlive = shimHoldsBundle(paths.dir);
  }
  if (auto text = readWholeFile(paths.exit())) {
    auto exit = decodeExitRecord(*text, paths.exit());
    if (exit) {
      s.exit = *exit;
      s.terminationMessage = readTerminationMessage(paths.terminationLog());
    } else {
      spdlog::warn("sandbox {}: container {}: {}", uid, name, exit.error().message);
    }
  }
  return s;
}

Result<std::optional<SandboxState>> LinuxRuntime::inspect(const std::string& sandboxUid) {
  if (auto r = checkPathComponent("sandbox uid", sandboxUid); !r) return fail(r.error());
  if (::access(layout_.podDir(sandboxUid).c_str(), F_OK) != 0) {
    return std::optional<SandboxState>();
  }
  SandboxState s;
  s.uid = sandboxUid;
  if (auto rec = loadSandbox(sandboxUid)) {
    s.name = rec->name;
    s.namespace_ = rec->namespace_;
    s.specHash = rec->specHash;
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
  auto names = listSubdirs(layout_.containersDir(sandboxUid));
  if (!names) return fail(names.error());
  for (const auto& name : *names) s.containers.push_back(observeContainer(sandboxUid, name));
  return std::optional<SandboxState>(std::move(s));
}

Result<std::vector<SandboxState>> LinuxRuntime::list() {
  auto uids = listSubdirs(layout_.podsDir());
  if (!uids) return fail(uids.error());
  std::vector<SandboxState> out;
  for (const auto& uid : *uids) {
    auto s = inspect(uid);
    if (!s) return fail(s.error());
    if (*s) out.push_back(std::move(**s));
  }
  return out;
}

}  // namespace podkeeper::runtime
