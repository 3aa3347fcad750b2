#include "runtime/linux/linux_runtime.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "runtime/bundle/container_config.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/bundle/shim_launcher.h"
#include "runtime/cgroup/device_rules.h"
#include "runtime/cgroup/mountinfo.h"
#include "runtime/exec/container_exec.h"
#include "runtime/exec/exec_target.h"
#include "runtime/image/image_user.h"
#include "runtime/init/container_init.h"
#include "runtime/init/process_identity.h"
#include "runtime/linux/mount_propagation.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/capabilities.h"
#include "runtime/sys/file_tree.h"
#include "runtime/sys/netns_socket.h"
#include "runtime/sys/proc.h"
#include "runtime/sys/start_timeline.h"
#include "runtime/sys/syscalls.h"
#include "runtime/sys/wait.h"

namespace podkeeper::runtime {
namespace {

constexpr auto kShimExitWait = std::chrono::seconds(2);

std::string parentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

Result<void> checkNames(const std::string& uid, const std::string& name) {
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return r;
  return checkPathComponent("container name", name);
}

// runAsUser, else the image's User, resolved through the image's /etc/passwd and /etc/group
// (as the spec carries them) as runc does: uid, gid, the groups listing the user (merged with
// the pod's, as containerd does, unless supplementalGroupsPolicy is Strict), and HOME when
// env has none.
Result<void> applyUser(const ContainerSpec& spec, ShimConfig& cfg) {
  const ResolvedImage& image = spec.resolvedImage;
  const std::string user = spec.runAsUser ? std::to_string(*spec.runAsUser) : image.user;
  auto resolved = resolveUser(user, image.passwd, image.groups);
  if (!resolved) return fail(resolved.error().context("the image's user"));
  if (!user.empty() || spec.runAsGroup) {
    cfg.runAsUser = resolved->uid;
    cfg.runAsGroup = spec.runAsGroup.value_or(resolved->gid);
  }
  if (!spec.strictSupplementalGroups)
    cfg.supplementalGroups.assign(resolved->additionalGids.begin(), resolved->additionalGids.end());
  cfg.supplementalGroups.insert(cfg.supplementalGroups.end(), spec.supplementalGroups.begin(),
                                spec.supplementalGroups.end());
  const bool hasHome = std::any_of(cfg.env.begin(), cfg.env.end(),
                                   [](const std::string& kv) { return kv.starts_with("HOME="); });
  if (!hasHome) cfg.env.push_back("HOME=" + resolved->home);
  return {};
}

std::string seccompName(const ContainerSpec& spec) {
  if (spec.privileged) return "none (privileged)";
  switch (spec.seccomp.kind) {
    case SeccompSpec::Kind::Unconfined:
      return "Unconfined";
    case SeccompSpec::Kind::RuntimeDefault:
      return "RuntimeDefault";
    case SeccompSpec::Kind::Localhost:
      return "Localhost " + spec.seccomp.localhostProfile;
  }
  return "?";
}

}  // namespace

LinuxRuntime::LinuxRuntime(RuntimeConfig config, cgroup::CgroupManager& cgroups)
    : config_(std::move(config)),
      layout_(config_.stateDir, config_.rootDir),
      cgroups_(cgroups),
      seccomp_(config_.stateDir + "/seccomp") {}

Result<ContainerState> LinuxRuntime::startContainer(const ContainerSpec& spec) {
  const std::string who = "container " + spec.sandboxUid + "/" + spec.name;
  if (auto r = checkNames(spec.sandboxUid, spec.name); !r) return fail(r.error());
  auto sandbox = loadSandbox(spec.sandboxUid);
  if (!sandbox) return fail(sandbox.error().context(who + ": sandbox not ready"));
  const auto paths = layout_.container(spec.sandboxUid, spec.name);
  if (::access(paths.dir.c_str(), F_OK) == 0) {
    return failMsg(who + ": already exists in " + paths.dir + "; remove it first");
  }
  const cgroup::CgroupPath cgroupPath =
      spec.cgroupPath.empty() ? sandbox->cgroupParent + "/" + spec.name : spec.cgroupPath;
  if (auto r = checkCgroupPath("cgroupPath", cgroupPath); !r) return fail(r.error().context(who));
  StartTimeline timeline;
  std::string shimStages;
  auto state = launch(spec, *sandbox, cgroupPath, timeline, shimStages);
  if (!state) return fail(state.error().context(who));
  spdlog::info("pod {}/{}: container {} started (pid {}, shim {}, seccomp {})", sandbox->namespace_,
               sandbox->name, spec.name, state->pid, state->shimPid, seccompName(spec));
  if (spdlog::should_log(spdlog::level::debug)) {  // format() allocates: only when logged
    spdlog::debug("pod {}/{}: container {} start timeline ms: total={:.3f} {} {}",
                  sandbox->namespace_, sandbox->name, spec.name, double(timeline.elapsedNs()) / 1e6,
                  timeline.format(), shimStages);
  }
  if (auto rec = loadContainer(spec.sandboxUid, spec.name)) {
    for (const auto& w : rec->warnings) {
      spdlog::warn("pod {}/{}: container {}: {}", sandbox->namespace_, sandbox->name, spec.name, w);
    }
  }
  // The next start's shim, while this container runs (the start is reported after this job).
  if (auto sealed = shim()) standby(**sealed).refill();
  return state;
}

Result<ContainerState> LinuxRuntime::launch(const ContainerSpec& spec, const SandboxRecord& sandbox,
                                            const cgroup::CgroupPath& cgroupPath,
                                            StartTimeline& timeline, std::string& shimStages) {
  auto cfg = shimConfigFor(spec, sandbox, cgroupPath);
  if (!cfg) return fail(cfg.error());
  timeline.mark("config");
  const auto paths = layout_.container(spec.sandboxUid, spec.name);
  auto seccomp = seccomp_.programFor(spec.seccomp, cfg->capabilities, spec.privileged);
  if (!seccomp) return fail(seccomp.error());
  timeline.mark("seccomp");
  if (*seccomp) cfg->seccompProgram = paths.seccompProgram();
  pid_t shimPid = 0;
  auto started = [&]() -> Result<ShimStarted> {
    // A writable layer left by an earlier instance that was not removed: a new one is empty.
    if (auto r = removeTree(paths.dataDir); !r) return fail(r.error());
    for (const auto& dir : {paths.upper(), paths.work(), paths.rootfs()}) {
      if (auto r = makeDirs(dir, 0711); !r) return fail(r.error());
    }
    // In a user namespace the writable layer is not idmapped (overlayfs writes it with the
    // mounter's ids): what the container's root writes lands as the pod's first host id, so
    // its root directory belongs to that id (as containerd makes it).
    if (const auto id = cfg->userNamespaceHostId;
        id && ::chown(paths.upper().c_str(), *id, *id) != 0) {
      return failSys(errno, "chown " + paths.upper() + " to " + std::to_string(*id));
    }
    if (auto r = makeDirs(parentOf(spec.logPath), 0755); !r) return fail(r.error());
    if (!spec.terminationMessagePath.empty()) {
      // Writable by whatever user the container runs as, as the kubelet makes it. The data
      // directory was just emptied: the file is new.
      if (auto r = writeNewFile(paths.terminationLog(), "", 0666); !r) return fail(r.error());
    }
    if (*seccomp) {
      if (auto r = SeccompProgramCache::install(**seccomp, paths.seccompProgram()); !r) {
        return fail(r.error());
      }
    }
    timeline.mark("dirs+files");
    if (auto r = cgroups_.create(cgroupPath); !r) return fail(r.error());
    timeline.mark("cgroup-create");
    // The device allowlist goes in before any process joins (runc's default; CAP_MKNOD would
    // otherwise let the container open any host device).
    cgroup::Resources resources = spec.resources;
    resources.devices = cgroup::containerDeviceRules(spec.privileged);
    if (auto r = cgroups_.apply(cgroupPath, resources); !r) return fail(r.error());
    timeline.mark("cgroup-apply");
    // New with the container's directory, and read by the shim started below: no rename.
    if (auto r = writeNewFile(paths.config(), encodeShimConfig(*cfg)); !r) {
      return fail(r.error());
    }
    timeline.mark("config-write");
    auto sealed = shim();
    if (!sealed) return fail(sealed.error());
    if (auto handed = standby(**sealed).handOver(paths.dir, shimPid)) return std::move(*handed);
    return launchShim(**sealed, paths.dir, config_.startTimeout, shimPid);
  }();
  if (!started) {
    discardContainer(paths, cgroupPath, shimPid);
    return fail(started.error());
  }
  timeline.mark("shim");
  shimStages = started->timeline;
  auto state = observeContainer(spec.sandboxUid, spec.name);
  timeline.mark("observe");
  return state;
}

Result<std::vector<ShimMount>> LinuxRuntime::resolveMounts(const ContainerSpec& spec) const {
  std::vector<ShimMount> out;
  for (const auto& m : spec.mounts) {
    const std::string what = "volume mount " + m.destination;
    if (m.destination.empty() || m.destination.front() != '/') {
      return failMsg(what + ": destination must be an absolute path");
    }
    if (!m.imageLayers.empty()) {
      for (const auto& layer : m.imageLayers) {
        struct stat st {};
        if (::stat(layer.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
          return failMsg(what + ": image volume \"" + m.volume + "\" layer " + layer +
                         " does not exist");
      }
      out.push_back({"", m.destination, true, m.subPath, m.volume, MountPropagation::Private, true,
                     m.imageLayers});
      continue;
    }
    std::string source = m.source;
    if (!m.emptyDir.empty()) {
      if (auto r = checkPathComponent("emptyDir", m.emptyDir); !r) return fail(r.error());
      source = layout_.emptyDir(spec.sandboxUid, m.emptyDir);
    }
    struct stat st {};
    if (source.empty() || ::stat(source.c_str(), &st) != 0) {
      return failMsg(what + ": source \"" + source + "\" does not exist");
    }
    if (m.propagation != MountPropagation::Private) {
      // containerd's check, on the host's mounts: the init clones the source from them.
      std::error_code ec;
      const auto real = std::filesystem::canonical(source, ec);
      if (ec) return failMsg(what + ": resolve \"" + source + "\": " + ec.message());
      auto text = readWholeFile("/proc/self/mountinfo");
      if (!text) return fail(text.error());
      auto mounts = cgroup::parseMountinfo(*text);
      if (!mounts) return fail(mounts.error().context("/proc/self/mountinfo"));
      if (auto r = checkSourcePropagation(*mounts, real.string(), m.propagation); !r)
        return fail(r.error().context(what));
    }
    out.push_back({source,
                   m.destination,
                   m.readOnly,
                   m.subPath,
                   m.volume,
                   m.propagation,
                   m.recursiveReadOnly,
                   {}});
  }
  return out;
}

Result<ShimConfig> LinuxRuntime::shimConfigFor(const ContainerSpec& spec,
                                               const SandboxRecord& sandbox,
                                               const cgroup::CgroupPath& cgroupPath) const {
  if (spec.argv.empty()) return failMsg("no command to run");
  if (spec.logPath.empty() || spec.logPath.front() != '/') {
    return failMsg("log path \"" + spec.logPath + "\" is not absolute");
  }
  auto caps = containerCapabilities(spec.capAdd, spec.capDrop, spec.privileged);
  if (!caps) return fail(caps.error());
  struct stat st {};
  if (spec.resolvedImage.layers.empty())
    return failMsg("image \"" + spec.image + "\" has no layers");
  for (const auto& layer : spec.resolvedImage.layers) {
    if (::stat(layer.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return failMsg("image \"" + spec.image + "\" layer " + layer + " does not exist");
    }
  }
  auto mounts = resolveMounts(spec);
  if (!mounts) return fail(mounts.error());
  const auto paths = layout_.container(spec.sandboxUid, spec.name);
  if (!spec.terminationMessagePath.empty()) {
    if (spec.terminationMessagePath.front() != '/') {
      return failMsg("terminationMessagePath \"" + spec.terminationMessagePath +
                     "\" is not absolute");
    }
    mounts->push_back({paths.terminationLog(), spec.terminationMessagePath, false});
  }
  ShimConfig cfg = shimConfigFromSpec(spec);
  cfg.upperDir = paths.upper();
  cfg.workDir = paths.work();
  cfg.sandboxDir = layout_.podDir(spec.sandboxUid);
  cfg.logMaxBytes = config_.logMaxBytes;
  cfg.logMaxFiles = config_.logMaxFiles;
  cfg.cgroupPath = cgroupPath;
  cfg.shimCgroup = config_.cgroupRoot + "/shims";
  cfg.cgroupMountRoot = config_.cgroupConfig.mountRoot;
  cfg.cgroupMountinfoPath = shimMountinfoPath();
  cfg.capabilities = *caps;
  if (auto r = applyUser(spec, cfg); !r) return fail(r.error());
  cfg.namespaces = podNamespaceKinds(sandbox);
  cfg.userNamespaceHostId = sandbox.userNamespaceHostId;
  cfg.hostPID = sandbox.hostPID;
  cfg.sharedPidNamespace = sandbox.shareProcessNamespace;
  cfg.mounts = std::move(*mounts);
  return cfg;
}

// Undoes a failed start so the next attempt starts clean.
void LinuxRuntime::discardContainer(const ContainerPaths& paths,
                                    const cgroup::CgroupPath& cgroupPath, pid_t shimPid) {
  if (shimPid > 0) {
    UniqueFd shim(sys::pidfdOpen(shimPid));
    if (shim.valid() && !waitReadable(shim.get(), kShimExitWait)) {
      sys::pidfdSendSignal(shim.get(), SIGKILL);
    }
  }
  if (checkCgroupPath("cgroupPath", cgroupPath) && cgroups_.exists(cgroupPath)) {
    if (auto r = cgroups_.killAll(cgroupPath); !r) {
      spdlog::warn("container dir {}: kill cgroup: {}", paths.dir, r.error().message);
    }
    if (auto r = removeKilledCgroup(cgroups_, cgroupPath); !r) {
      spdlog::warn("container dir {}: remove cgroup: {}", paths.dir, r.error().message);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(paths.dir, ec);
  if (auto r = removeTree(paths.dataDir); !r) {
    spdlog::warn("container dir {}: {}", paths.dir, r.error().message);
  }
}

Result<void> LinuxRuntime::signalContainer(const std::string& sandboxUid, const std::string& name,
                                           int sig) {
  const std::string who = "container " + sandboxUid + "/" + name;
  auto rec = loadContainer(sandboxUid, name);
  if (!rec) return fail(rec.error().context(who));
  auto pidfd = openCheckedPidfd(rec->pid, rec->pidStartTime);
  if (!pidfd) return fail(pidfd.error().context(who + ": not running"));
  if (sys::pidfdSendSignal(pidfd->get(), sig) != 0) {
    return failSys(errno, who + ": signal " + std::to_string(sig));
  }
  spdlog::info("pod {}: container {}: sent signal {}", podName(sandboxUid), name, sig);
  return {};
}

Result<void> LinuxRuntime::killContainer(const std::string& sandboxUid, const std::string& name) {
  const std::string who = "container " + sandboxUid + "/" + name;
  auto path = containerCgroup(sandboxUid, name);
  if (!path) return fail(path.error().context(who));
  if (auto r = checkCgroupPath("cgroupPath", *path); !r) return fail(r.error().context(who));
  if (!cgroups_.exists(*path)) return {};
  if (auto r = cgroups_.killAll(*path); !r) return fail(r.error().context(who));
  spdlog::info("pod {}: container {}: killed every process in {}", podName(sandboxUid), name,
               *path);
  return {};
}

Result<void> LinuxRuntime::removeContainer(const std::string& sandboxUid, const std::string& name) {
  const std::string who = "container " + sandboxUid + "/" + name;
  if (auto r = checkNames(sandboxUid, name); !r) return fail(r.error());
  const auto paths = layout_.container(sandboxUid, name);
  if (::access(paths.dir.c_str(), F_OK) != 0) return {};
  const ContainerState state = observeContainer(sandboxUid, name);
  if (state.running)
    return failSys(EBUSY, who + ": still running (pid " + std::to_string(state.pid) + ")");
  discardContainer(paths, state.cgroupPath, state.shimAlive ? state.shimPid : 0);
  if (::access(paths.dir.c_str(), F_OK) == 0)
    return failMsg(who + ": could not remove " + paths.dir);
  spdlog::info("pod {}: container {}: removed", podName(sandboxUid), name);
  return {};
}

Result<ExecTarget> LinuxRuntime::execTarget(const std::string& sandboxUid,
                                            const std::string& name) const {
  return loadExecTarget(layout_, sandboxUid, name);
}

// The cgroup part of the mount table, written once to <stateDir>/cgroup-mountinfo. Each shim
// reads that (a dozen lines) instead of /proc/self/mountinfo, which grows by four lines with
// every pod (its namespace pins): read twice per start, it cost O(pods) of kernel time each,
// a third of a shim's CPU with 200 pods. The agent's own cgroup driver is built once at
// startup from the same table. On failure the shims read the whole table, as before.
std::string LinuxRuntime::shimMountinfoPath() const {
  std::lock_guard lock(mu_);
  if (!shimMountinfo_) {
    shimMountinfo_ = config_.cgroupConfig.mountinfoPath;
    const std::string file = layout_.root() + "/cgroup-mountinfo";
    (void)makeDirs(layout_.root(), 0700);  // asked for before the first sandbox made it
    auto text = readWholeFile(config_.cgroupConfig.mountinfoPath);
    auto lines = text ? cgroup::mountinfoLinesUnder(*text, config_.cgroupConfig.mountRoot)
                      : Result<std::string>(fail(text.error()));
    auto wrote = lines ? replaceFile(file, *lines) : Result<void>(fail(lines.error()));
    if (wrote) {
      shimMountinfo_ = file;
    } else {
      spdlog::warn("shims read {} whole: cannot write {}: {}", *shimMountinfo_, file,
                   wrote.error().message);
    }
  }
  return *shimMountinfo_;
}

ShimStandby& LinuxRuntime::standby(const SealedBinary& sealed) {
  const std::string mountinfo = shimMountinfoPath();
  std::lock_guard lock(mu_);
  if (!standby_)
    standby_.emplace(sealed,
                     ShimStandby::Config{.shim = {.cgroupMountRoot = config_.cgroupConfig.mountRoot,
                                                  .cgroupMountinfoPath = mountinfo,
                                                  .shimCgroup = config_.cgroupRoot + "/shims"},
                                         .capacity = config_.standbyShims,
                                         // <root>/pods/<uid>/containers/<name>
                                         .bundleRoom = layout_.podsDir().size() + 1 + 128 + 12 + 64,
                                         .timeout = config_.startTimeout});
  return *standby_;
}

Result<const SealedBinary*> LinuxRuntime::shim() {
  std::lock_guard lock(mu_);  // made once; read-only (sealed) from then on
  if (!shim_) {
    auto copy = SealedBinary::copyOf(config_.shimPath);
    if (!copy) return fail(copy.error().context("podkeeper-shim"));
    shim_.emplace(std::move(*copy));
  }
  return &*shim_;
}

Result<ExecResult> LinuxRuntime::execInContainer(const std::string& sandboxUid,
                                                 const std::string& name,
                                                 const std::vector<std::string>& argv,
                                                 int64_t timeoutMs) {
  const std::string who = "container " + sandboxUid + "/" + name;
  auto target = execTarget(sandboxUid, name);
  if (!target) return fail(target.error().context(who));
  auto sealed = shim();
  if (!sealed) return fail(sealed.error().context(who));
  auto r = runInContainer(**sealed, *target, argv, std::chrono::milliseconds(timeoutMs), cgroups_);
  if (!r) return fail(r.error().context(who));
  return r;
}

Result<StartedExec> LinuxRuntime::startExec(const std::string& sandboxUid, const std::string& name,
                                            const std::vector<std::string>& argv) {
  const std::string who = "container " + sandboxUid + "/" + name;
  auto target = execTarget(sandboxUid, name);
  if (!target) return fail(target.error().context(who));
  auto sealed = shim();
  if (!sealed) return fail(sealed.error().context(who));
  auto r = startInContainer(**sealed, *target, argv, cgroups_);
  if (!r) return fail(r.error().context(who));
  return r;
}

void LinuxRuntime::killExec(StartedExec& exec) { runtime::killExec(exec); }

Result<ExecResult> LinuxRuntime::finishExec(StartedExec& exec, std::string output, bool timedOut) {
  return runtime::finishExec(exec, std::move(output), timedOut);
}

Result<int> LinuxRuntime::openPodSocket(const std::string& sandboxUid, int family) {
  auto sandbox = loadSandbox(sandboxUid);
  if (!sandbox) return fail(sandbox.error());
  if (sandbox->hostNetwork) {
    const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return failSys(errno, "socket");
    return fd;
  }
  return openSocketInNetns(layout_.nsPin(sandboxUid, "net"), family);
}

Result<int> LinuxRuntime::openShimPidfd(const std::string& sandboxUid, const std::string& name) {
  auto rec = loadContainer(sandboxUid, name);
  if (!rec) return fail(rec.error());
  auto fd = openCheckedPidfd(rec->shimPid, rec->shimStartTime);
  if (!fd) return fail(fd.error().context("shim of container " + sandboxUid + "/" + name));
  return fd->release();
}

}  // namespace podkeeper::runtime
