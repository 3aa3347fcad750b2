#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/bundle/shim_config.h"
#include "runtime/bundle/shim_launcher.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/bundle/state_json.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"
#include "runtime/exec/container_exec.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sandbox/sandbox_files.h"
#include "runtime/sandbox/user_namespace_ids.h"
#include "runtime/seccomp/seccomp_cache.h"
#include "runtime/sys/changed_dirs.h"
#include "runtime/sys/process_liveness.h"
#include "runtime/sys/sealed_binary.h"
#include "runtime/sys/start_timeline.h"

namespace podkeeper::runtime {

struct RuntimeConfig {
  std::string stateDir = "/run/podkeeper";
  std::string rootDir = "/var/lib/podkeeper";  // writable layers and emptyDirs (state_dir.h)
  std::string shimPath;  // the podkeeper-shim binary; run from a sealed copy made once
  std::string cgroupRoot = "podkeeper";  // shims live in <cgroupRoot>/shims
  cgroup::CgroupConfig cgroupConfig;     // handed to the shims, which build their own driver
  NodeFiles nodeFiles;                   // the node's resolv.conf and hosts, inherited by pods
  uint64_t logMaxBytes = 10 * 1024 * 1024;
  int logMaxFiles = 5;
  std::chrono::milliseconds startTimeout{10000};
  size_t standbyShims = 2;            // shims started ahead of need (ShimStandby); 0: none
  bool standbyNamespaces = true;      // a pod's namespaces made ahead of need (NamespaceStandby)
  UserNamespaceRange userNamespaces;  // host ids handed out to hostUsers: false pods
};

// ContainerRuntime on Linux: per container a podkeeper-shim (the init's parent), state in
// the state directory, limits through the CgroupManager.
class LinuxRuntime final : public ContainerRuntime {
 public:
  LinuxRuntime(RuntimeConfig config, cgroup::CgroupManager& cgroups);

  Result<void> prepareVolumes(const SandboxSpec& spec) override;
  Result<void> ensureSandbox(const SandboxSpec& spec) override;
  Result<void> updateDownwardAPI(const SandboxSpec& spec) override;
  Result<ContainerState> startContainer(const ContainerSpec& spec) override;
  Result<void> signalContainer(const std::string& sandboxUid, const std::string& name,
                               int sig) override;
  Result<void> killContainer(const std::string& sandboxUid, const std::string& name) override;
  Result<void> removeContainer(const std::string& sandboxUid, const std::string& name) override;
  Result<void> recordStop(const std::string& sandboxUid, const StopRecord& stop) override;
  Result<void> updateResources(const ResourceUpdate& update) override;
  Result<std::optional<int64_t>> containerMemoryUsage(const std::string& sandboxUid,
                                                      const std::string& name) override;
  Result<void> removeSandbox(const std::string& sandboxUid) override;
  Result<void> releaseSandbox(const std::string& sandboxUid) override;
  Result<std::vector<SandboxState>> list() override;
  Result<std::optional<SandboxState>> inspect(const std::string& sandboxUid) override;
  Result<int> openShimPidfd(const std::string& sandboxUid, const std::string& name) override;
  Result<ExecResult> execInContainer(const std::string& sandboxUid, const std::string& name,
                                     const std::vector<std::string>& argv,
                                     int64_t timeoutMs) override;
  Result<StartedExec> startExec(const std::string& sandboxUid, const std::string& name,
                                const std::vector<std::string>& argv) override;
  void killExec(StartedExec& exec) override;
  Result<ExecResult> finishExec(StartedExec& exec, std::string output, bool timedOut) override;
  Result<int> openPodSocket(const std::string& sandboxUid, int family) override;
  std::string writableLayerDir(const std::string& sandboxUid,
                               const std::string& name) const override {
    return layout_.container(sandboxUid, name).upper();
  }
  std::string volumeDir(const std::string& sandboxUid, const std::string& volume) const override {
    return layout_.emptyDir(sandboxUid, volume);
  }

  const StateLayout& layout() const { return layout_; }

  // What the last list() did: sandboxes read from the state directory, and those kept from
  // the list before (nothing in their directories changed, every liveness the same).
  struct ListCounts {
    size_t read = 0;
    size_t kept = 0;
  };
  ListCounts lastList() const;

 private:
  // Marks each stage on timeline; shimStages gets the shim's own (see ShimStarted::timeline).
  Result<ContainerState> launch(const ContainerSpec& spec, const SandboxRecord& sandbox,
                                const cgroup::CgroupPath& cgroupPath, StartTimeline& timeline,
                                std::string& shimStages);
  Result<ShimConfig> shimConfigFor(const ContainerSpec& spec, const SandboxRecord& sandbox,
                                   const cgroup::CgroupPath& cgroupPath) const;
  Result<std::vector<ShimMount>> resolveMounts(const ContainerSpec& spec) const;
  // sandbox.json: as this runtime last wrote it, else read from the state directory.
  Result<SandboxRecord> loadSandbox(const std::string& uid) const;
  Result<ContainerRecord> loadContainer(const std::string& uid, const std::string& name) const;
  Result<cgroup::CgroupPath> containerCgroup(const std::string& uid, const std::string& name) const;
  Result<ExecTarget> execTarget(const std::string& sandboxUid, const std::string& name) const;
  // The sealed copy of shimPath every shim, reaper and joiner is exec'd from (see
  // sealed_binary.h), made at first use: an upgrade of the file on disk takes effect when the
  // agent restarts, as for the agent itself.
  Result<const SealedBinary*> shim();
  // The standby shim's keeper (shim_launcher.h), made with the sealed copy it spawns from.
  ShimStandby& standby(const SealedBinary& sealed);
  std::string podName(const std::string& uid) const;  // "ns/name (uid)" for log lines
  // The processes a started container's liveness was checked for (pid and start time of its
  // init and of its shim): checked again for a sandbox list() keeps.
  struct LiveIds {
    pid_t pid = 0;
    uint64_t pidStartTime = 0;
    pid_t shimPid = 0;
    uint64_t shimStartTime = 0;
  };
  // inspect(), watching every directory it reads (changed_) before reading it. ids, when
  // given, gets each container's LiveIds, or nullopt when what was read can go stale without
  // an event (a directory not watched, a container not started: its shim's lock is checked).
  Result<std::optional<SandboxState>> observeSandbox(const std::string& uid,
                                                     std::optional<std::vector<LiveIds>>* ids);
  ContainerState observeContainer(const std::string& uid, const std::string& name,
                                  std::optional<LiveIds>* ids = nullptr) const;
  void discardContainer(const ContainerPaths& paths, const cgroup::CgroupPath& cgroupPath,
                        pid_t shimPid);
  std::string shimMountinfoPath() const;
  // The pod's user namespace ids: those its sandbox.json holds, else a free block.
  Result<uint32_t> userNamespaceIds(const std::string& uid);

  RuntimeConfig config_;
  StateLayout layout_;
  cgroup::CgroupManager& cgroups_;
  std::optional<SealedBinary> shim_;
  std::optional<ShimStandby> standby_;  // after shim_: gone first (it spawns from shim_)
  NamespaceStandby nsStandby_;
  mutable std::optional<std::string> shimMountinfo_;  // shimMountinfoPath's answer, once made
  // What observeContainer takes from a started container's config.json (its user and image
  // id), by container directory, for the start it was read for (the init's pid and start
  // time): the file is written once per start, and parsing it at every observation was half
  // of what an idle agent read. Under mu_; cleared whole when it outgrows kConfigFactsMax.
  struct ConfigFacts {
    pid_t pid = 0;
    uint64_t pidStartTime = 0;
    ContainerUser user;
    std::string imageId;
  };
  mutable std::map<std::string, ConfigFacts> configFacts_;
  // Each container's state.json as last parsed, by path, with the file's identity then: the
  // shim writes it once, by rename (a new inode), so an unchanged identity is unchanged
  // contents and a resync's observation costs a stat instead of a read and a parse. Under
  // mu_; cleared whole when it outgrows 4096 entries.
  struct ParsedRecord {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtimeNs = 0, ctimeNs = 0;
    ContainerRecord record;
  };
  mutable std::map<std::string, ParsedRecord> records_;
  // Whether each container's init and shim still run, by held pidfds (swept after each list).
  mutable ProcessLiveness liveness_;
  // list()'s memory, under listMu_ (one list at a time): each sandbox as last read with the
  // liveness it was read with, and the pods known on the node. changed_ says which of them a
  // change in the state directory touched since: those are read again, the others kept as
  // long as every init and shim is as alive as it was (a poll of a held pidfd each). At an
  // idle resync the read of every file of every pod was two fifths of the agent's CPU.
  struct ListedSandbox {
    SandboxState state;
    std::vector<LiveIds> ids;  // by container, as state.containers
  };
  ChangedDirs changed_;
  mutable std::mutex listMu_;
  std::map<std::string, ListedSandbox> listed_;
  std::optional<std::vector<std::string>> knownUids_;
  ListCounts lastList_;
  // Compiled once per distinct profile, stored in <stateDir>/seccomp, linked per container.
  SeccompProgramCache seccomp_;
  // sandbox.json as this runtime last wrote it, by uid: used instead of reading the file back
  // (the agent holds the state directory's lock, so nothing else writes it), and what tells
  // a sandbox ensured again under the same spec from a new one. Dropped when it is removed.
  std::map<std::string, SandboxRecord> written_;
  // The agent calls in from its loop and from runtime workers at once (different pods at a
  // time): shim_ and written_ are read and changed under this lock, never across a call.
  mutable std::mutex mu_;
  // The user namespace blocks in use, by pod uid (under userNamespacesMu_); read from every
  // sandbox.json at first use, so a restarted agent never hands out a block a running pod holds.
  std::optional<UserNamespaceAllocator> userNamespaces_;
  std::map<std::string, uint32_t> userNamespaceIds_;
  std::mutex userNamespacesMu_;
};

}  // namespace podkeeper::runtime
