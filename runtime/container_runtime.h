#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/image/image_service.h"

// What the reconciler asks of the machine. No pods in the Kubernetes sense here: a sandbox is
// a set of pinned namespaces and a parent cgroup; a container is a process tree in it.
namespace podkeeper::runtime {

// Added by the runtime layer: pod-level options (see SandboxSpec and ContainerSpec).
struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

struct EmptyDirVolume {
  std::string name;     // the pod volume's name; containers mount it with BindMount::emptyDir
  bool memory = false;  // medium: Memory (a tmpfs)
  std::optional<int64_t> sizeLimitBytes;  // tmpfs size; on disk, enforced by eviction
};

// volumeMounts[].mountPropagation as runc applies it to the bind: rprivate (None), rslave
// (HostToContainer: mounts made on the host below the source appear inside), rshared
// (Bidirectional: and mounts made inside appear on the host).
enum class MountPropagation { Private, HostToContainer, Bidirectional };

struct BindMount {
  std::string source;       // a host path (hostPath volume) ...
  std::string emptyDir;     // ... or the name of one of the sandbox's emptyDir or downwardAPI
                            // volumes (kept in its state directory)
  std::string destination;  // absolute path in the container
  bool readOnly = false;    // recursively, unless recursiveReadOnly is false
  std::string subPath{};    // relative, without ".."; resolved without leaving the volume
  std::string volume{};     // the volume's name, for messages
  MountPropagation propagation = MountPropagation::Private;
  bool recursiveReadOnly = true;  // false: only the volume's own mount is read-only
  // An image volume: the image's layer directories, top first (source and emptyDir are "").
  // Mounted read-only, nosuid, nodev, noexec: one layer bound, several as a read-only overlay.
  std::vector<std::string> imageLayers{};
};

// A hostPath volume's `type` check (and creation), done before the pod's containers start.
struct HostPathVolume {
  std::string name;
  std::string path;
  std::string type;  // as in Kubernetes: "", DirectoryOrCreate, Directory, FileOrCreate, ...
};

// A file of a downwardAPI volume, its content already rendered.
struct DownwardAPIFile {
  std::string path;  // relative, without ".."
  std::string content;
  int mode = 0644;
  bool operator==(const DownwardAPIFile&) const = default;
};

struct DownwardAPIVolume {
  std::string name;
  std::vector<DownwardAPIFile> files;
  bool operator==(const DownwardAPIVolume&) const = default;
};

// securityContext.seccompProfile, resolved by the caller (container over pod over the agent's
// default). A privileged container gets none, whatever it says, as containerd's CRI does.
struct SeccompSpec {
  enum class Kind { Unconfined, RuntimeDefault, Localhost };
  Kind kind = Kind::Unconfined;
  std::string profileRoot;       // Localhost: the directory profiles must stay in
  std::string localhostProfile;  // Localhost: a path relative to profileRoot
  bool operator==(const SeccompSpec&) const = default;
};

struct SandboxSpec {
  std::string uid;   // unique, filesystem-safe
  std::string name;  // for logs and state only
  std::string namespace_;
  std::string hostname;
  cgroup::CgroupPath cgroupParent;  // e.g. "podkeeper/burstable/pod<uid>"
  cgroup::Resources resources;      // pod-level limits
  std::string specHash;             // stored with the sandbox for adoption
  // Opaque here, stored with the sandbox: the reconciler's record of the cpu and memory its
  // containers were given (in-place resize: reconciler/pod_resize.h).
  std::string allocated;
  int64_t terminationGracePeriodSeconds = 30;  // stored too: a deleted pod still stops gracefully
  int64_t createdAtNs = 0;  // status.startTime; the first ensureSandbox's value is kept
  // Init containers that keep running (restartPolicy Always), in spec order: stored so a
  // deleted pod still stops them last, in reverse order.
  std::vector<std::string> sidecars;
  // The pod's log directory (<log-dir>/<namespace>_<name>_<uid>): the runtime removes it, with
  // every container's logs, when it removes the sandbox. "" = none.
  std::string logDir;
  // Added by the runtime layer (all optional):
  bool hostNetwork = false;  // the host's net and uts namespaces, hostname and /etc/hosts
  bool hostIPC = false;
  bool hostPID = false;                // containers stay in the host's pid namespace
  bool shareProcessNamespace = false;  // one pid namespace for all containers, init a reaper
  bool hostUsers = true;  // false: a user namespace of its own, 65536 ids (user_namespace_ids.h)
  std::vector<HostAlias> hostAliases;  // appended to the pod's /etc/hosts
  // /etc/hosts names the pod's addresses <hostname>.<hostDomain> and <hostname>, as the
  // kubelet (hostDomain: <subdomain>.<namespace>.svc.<cluster domain>, "" without subdomain);
  // no address yet (or none: no CNI configuration): 127.0.1.1.
  std::vector<std::string> podIPs;
  std::string hostDomain;
  bool setHostnameAsFQDN = false;         // the uts hostname and /etc/hostname are the FQDN
  std::optional<std::string> resolvConf;  // content of the pod's resolv.conf; nullopt = the node's
  std::vector<EmptyDirVolume> emptyDirs;
  std::vector<HostPathVolume> hostPaths;
  std::vector<DownwardAPIVolume> downwardAPIs;
  std::optional<int64_t> fsGroup;      // owns emptyDir and downwardAPI volumes (setgid dirs)
  bool fsGroupOnRootMismatch = false;  // fsGroupChangePolicy OnRootMismatch (else Always)
  std::vector<std::pair<std::string, std::string>> sysctls;  // namespaced ones, e.g. net.*
};

// containerd's AppArmor profile for RuntimeDefault. It must be loaded on the host: containerd
// loads it with apparmor_parser, podkeeper writes no profiles.
inline constexpr const char* kRuntimeDefaultAppArmorProfile = "cri-containerd.apparmor.d";

struct ContainerSpec {
  std::string sandboxUid;
  std::string name;
  std::string image;            // as written in the manifest (for metrics labels and status)
  ResolvedImage resolvedImage;  // what the ImageService found for it: rootfs, user, passwd
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string workingDir;        // "" = "/"
  int stopSignal = SIGTERM;      // what a graceful stop sends (the image's StopSignal)
  cgroup::Resources resources;
  std::string logPath;  // CRI log file the shim writes
  int restartCount = 0;
  // Added by the runtime layer (all optional):
  cgroup::CgroupPath cgroupPath;             // "" = <sandbox cgroupParent>/<name>
  std::vector<std::string> capAdd, capDrop;  // securityContext.capabilities, e.g. "NET_ADMIN"
  bool privileged = false;                   // all capabilities, no masked paths, /sys rw
  bool unmaskedProc = false;  // procMount: Unmasked: no masked or read-only /proc and /sys paths
  bool allowPrivilegeEscalation = false;         // false sets no_new_privs
  std::optional<int64_t> runAsUser, runAsGroup;  // nullopt = the image's user
  std::optional<int> oomScoreAdj;  // kubelet's per-QoS value; EPERM is tolerated and logged
  std::vector<int64_t> supplementalGroups;  // with runAsGroup (fsGroup belongs here too)
  bool strictSupplementalGroups = false;    // Strict: not the image's /etc/group groups
  std::vector<BindMount> mounts;            // volumeMounts, in order
  bool readOnlyRootfs = false;              // securityContext.readOnlyRootFilesystem
  std::string terminationMessagePath;       // e.g. "/dev/termination-log"; "" = none
  SeccompSpec seccomp;
  std::string appArmorProfile;  // the AppArmor profile the command execs into; "" = none
  bool stdin = false;           // a stdin pipe kept by the shim for attach
  bool stdinOnce = false;       // closed when the first attach detaches
  bool tty = false;             // a pty owned by the shim; the slave is the container's stdio
};

struct ExitRecord {
  int exitCode = 0;  // 128+signal when killed by a signal
  int signal = 0;    // 0 when it exited normally
  bool oomKilled = false;
  int64_t startedAtNs = 0;   // CLOCK_REALTIME
  int64_t finishedAtNs = 0;  // CLOCK_REALTIME
  bool operator==(const ExitRecord&) const = default;
};

// Who a container's processes run as, as CRI reports it (status.containerStatuses[].user.linux):
// the primary gid first in supplementalGroups, then the others sorted without repeats.
struct ContainerUser {
  int64_t uid = 0;
  int64_t gid = 0;
  std::vector<int64_t> supplementalGroups;
  bool operator==(const ContainerUser&) const = default;
};

struct ContainerState {
  std::string name;
  std::string image;
  std::string imageId;  // from config.json (ResolvedImage::imageId); "" for directory images
  cgroup::CgroupPath cgroupPath;
  pid_t shimPid = 0;
  pid_t pid = 0;  // container init, as seen from the host
  int64_t startedAtNs = 0;
  int restartCount = 0;
  int stopSignal = SIGTERM;           // what a graceful stop sends
  bool running = false;               // the init process is alive
  bool shimAlive = false;             // the shim is alive (it writes exit.json, then exits)
  std::optional<ExitRecord> exit;     // set once the shim wrote it
  std::string terminationMessage;     // added by the runtime layer: once exited, at most 4096 bytes
  std::optional<ContainerUser> user;  // once started: its identity from config.json
  uint64_t logEntriesDropped = 0;     // lines its CRI log could not take (the shim counts)
  bool operator==(const ContainerState&) const = default;
};

// Added by the runtime layer: what a command run in a container returned.
struct ExecResult {
  int exitCode = 0;    // 128+signal when killed
  std::string output;  // stdout and stderr interleaved, cut at 64 KiB
  bool timedOut = false;
};

// A command started in a running container and not yet awaited (exec probes and hooks run
// on the agent's loop). Whoever holds it must see the joiner reaped: finishExec after the
// pidfd turns readable, or killExec then finishExec (ContainerRuntime, below).
struct StartedExec {
  pid_t joiner = -1;     // the agent's child that joined the container and forked the command
  UniqueFd joinerPidfd;  // readable once the joiner exited
  UniqueFd output;       // the command's stdout and stderr; EOF once every writer is gone
  UniqueFd commandPid;   // the joiner writes the command's pid here
  UniqueFd execError;    // an errno when joining or exec failed
  std::string command;   // argv[0], for messages
};

// A pod being stopped (deleted, recreated, completed with sidecars left, or past its
// activeDeadlineSeconds): when its grace period ends and who was sent SIGTERM. Kept with the
// sandbox so an agent restarted meanwhile neither signals twice nor kills late.
struct StopRecord {
  int64_t killDeadlineNs = 0;          // SIGKILL to whatever still runs from then on
  std::vector<std::string> signalled;  // containers sent SIGTERM
  std::string reason;                  // "", DeadlineExceeded or Evicted (Failed for good)
  std::string message;                 // why, for the pod's status (Evicted)
  bool operator==(const StopRecord&) const = default;
};

struct SandboxState {
  std::string uid;
  std::string name;
  std::string namespace_;
  std::string specHash;
  std::string allocated;  // see SandboxSpec::allocated
  cgroup::CgroupPath cgroupParent;
  int64_t terminationGracePeriodSeconds = 30;
  int64_t createdAtNs = 0;            // when the sandbox was first made (status.startTime)
  std::vector<std::string> sidecars;  // see SandboxSpec::sidecars
  std::optional<StopRecord> stop;     // set by recordStop; survives the agent
  // Stopped for good and its resources freed (releaseSandbox): what is left is its record,
  // its containers' states and exit records, and its logs.
  bool released = false;
  std::vector<ContainerState> containers;
  bool operator==(const SandboxState&) const = default;
};

// New limits for a running sandbox and its containers (in-place resize), written in the
// kubelet's order: the containers whose limits shrink, then the pod cgroup, then the containers
// whose limits grow, so the containers never exceed the pod. pidsLimit and devices are left as
// they are. Once every write succeeded, specHash and allocated replace the sandbox's.
struct ResourceUpdate {
  std::string sandboxUid;
  std::vector<std::pair<std::string, cgroup::Resources>> shrinking;  // container -> limits
  std::optional<cgroup::Resources> pod;
  std::vector<std::pair<std::string, cgroup::Resources>> growing;
  std::string specHash;
  std::string allocated;
};

class ContainerRuntime {
 public:
  virtual ~ContainerRuntime() = default;

  // The checks of the pod's volumes that depend on the node, made before anything of the pod
  // is: hostPath types, creating what DirectoryOrCreate and FileOrCreate ask for. Idempotent.
  virtual Result<void> prepareVolumes(const SandboxSpec& spec) = 0;
  // Creates (or verifies) the pod cgroup, the pinned net/ipc/uts namespaces, the state
  // directory and the emptyDir and downwardAPI volumes. Idempotent.
  virtual Result<void> ensureSandbox(const SandboxSpec& spec) = 0;
  // Rewrites the files of the downwardAPI volumes of an existing sandbox whose content changed
  // (the pod's labels or annotations did), atomically as the kubelet does. No-op when the
  // sandbox does not exist.
  virtual Result<void> updateDownwardAPI(const SandboxSpec& spec) = 0;
  // Starts a shim which starts the container; returns once the container's command was
  // exec'd (or failed to be). A previous instance of the same name must have been removed.
  virtual Result<ContainerState> startContainer(const ContainerSpec& spec) = 0;
  // Sends sig to the container's init process (SIGTERM for a graceful stop).
  virtual Result<void> signalContainer(const std::string& sandboxUid, const std::string& name,
                                       int sig) = 0;
  // SIGKILL to every process in the container's cgroup.
  virtual Result<void> killContainer(const std::string& sandboxUid, const std::string& name) = 0;
  // After the container is gone: removes its cgroup, writable layer and state.
  virtual Result<void> removeContainer(const std::string& sandboxUid, const std::string& name) = 0;
  // Remembers that the sandbox is being stopped (SandboxState::stop).
  virtual Result<void> recordStop(const std::string& sandboxUid, const StopRecord& stop) = 0;
  // Kills whatever is left, unpins the namespaces, removes cgroups and state. Idempotent.
  virtual Result<void> removeSandbox(const std::string& sandboxUid) = 0;
  // A sandbox stopped for good (evicted, past its deadline) whose containers all exited: frees
  // what it holds on the node (volumes, writable layers, namespace pins, cgroups, the shims'
  // leftovers) and keeps what its status and logs need (sandbox.json, stop.json, each
  // container's state, exit record and termination message, the log directory); marks it
  // SandboxState::released. Idempotent; removeSandbox still removes the rest.
  virtual Result<void> releaseSandbox(const std::string& sandboxUid) {
    (void)sandboxUid;
    return failMsg("releasing a stopped sandbox is not supported by this runtime");
  }
  // Everything in the state directory, with liveness checked now.
  virtual Result<std::vector<SandboxState>> list() = 0;
  // One sandbox, with liveness checked now; nullopt when it has no state. The default filters
  // list(); implementations may read just the one sandbox.
  virtual Result<std::optional<SandboxState>> inspect(const std::string& sandboxUid) {
    auto all = list();
    if (!all) return fail(all.error());
    for (auto& s : *all)
      if (s.uid == sandboxUid) return std::optional<SandboxState>(std::move(s));
    return std::optional<SandboxState>();
  }
  // Added for in-place resize: writes new limits into the cgroups of a running sandbox and its
  // running containers, without a restart (ResourceUpdate). Idempotent.
  virtual Result<void> updateResources(const ResourceUpdate& update) {
    (void)update;
    return failMsg("in-place resize is not supported by this runtime");
  }
  // The memory a running container's cgroup uses now (memory.usage_in_bytes, memory.current);
  // nullopt when it has no cgroup or the file is absent.
  virtual Result<std::optional<int64_t>> containerMemoryUsage(const std::string& sandboxUid,
                                                              const std::string& name) {
    (void)sandboxUid, (void)name;
    return std::optional<int64_t>();
  }
  // A pidfd for the shim of a container, readable once the shim exits.
  virtual Result<int> openShimPidfd(const std::string& sandboxUid, const std::string& name) = 0;
  // Added by the runtime layer: runs argv inside a running container (its namespaces, cgroup,
  // user and capabilities; exec probes, `podkeeper exec`) and blocks until it exits or
  // timeoutMs passes (then it is killed and timedOut set).
  virtual Result<ExecResult> execInContainer(const std::string& sandboxUid, const std::string& name,
                                             const std::vector<std::string>& argv,
                                             int64_t timeoutMs) {
    (void)sandboxUid, (void)name, (void)argv, (void)timeoutMs;
    return failMsg("exec in a container is not supported by this runtime");
  }
  // Added for probes and hooks: starts argv in a running container as execInContainer does
  // but returns at once; the caller awaits it (probe/async_handlers.h).
  virtual Result<StartedExec> startExec(const std::string& sandboxUid, const std::string& name,
                                        const std::vector<std::string>& argv) {
    (void)sandboxUid, (void)name, (void)argv;
    return failMsg("exec in a container is not supported by this runtime");
  }
  // An exec started by startExec: killExec kills its command (or the joiner, before it
  // reported the command); finishExec reaps the joiner once its pidfd is readable (waiting
  // for it otherwise) and says how the command ended. Every StartedExec is finished.
  virtual void killExec(StartedExec& exec) { (void)exec; }
  virtual Result<ExecResult> finishExec(StartedExec& exec, std::string output, bool timedOut) {
    (void)exec, (void)output, (void)timedOut;
    return failMsg("exec in a container is not supported by this runtime");
  }
  // Added for probes and hooks: a non-blocking, close-on-exec TCP socket of the given family
  // (AF_INET, AF_INET6) made in the sandbox's network namespace (the host's for hostNetwork
  // pods), so the agent can connect to a port the pod listens on. The caller owns the fd.
  virtual Result<int> openPodSocket(const std::string& sandboxUid, int family) {
    (void)sandboxUid, (void)family;
    return failMsg("sockets in a pod's network are not supported by this runtime");
  }
  // Where what a container writes lives on disk (its writable layer), and a pod's volume, so
  // their usage can be measured against ephemeral-storage limits; "" when the runtime keeps
  // nothing on disk.
  virtual std::string writableLayerDir(const std::string& sandboxUid,
                                       const std::string& name) const {
    (void)sandboxUid, (void)name;
    return "";
  }
  virtual std::string volumeDir(const std::string& sandboxUid, const std::string& volume) const {
    (void)sandboxUid, (void)volume;
    return "";
  }
};

}  // namespace podkeeper::runtime
