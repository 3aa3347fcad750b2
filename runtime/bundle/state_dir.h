#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "common/make_dirs.h"
#include "common/unique_fd.h"

// Where things live. Under the state directory (default /run/podkeeper, a tmpfs, 0700; pod
// directories 0700, files 0600 unless a container reads them), what the agent and the shims
// write:
//   podkeeper.lock                              flock held by the agent for its life
//   pods/<uid>/sandbox.json, hostname, hosts, resolv.conf
//   pods/<uid>/ns/{net,ipc,uts,pid}             namespace pins (bind mounts)
//   pods/<uid>/reaper.json                      pid of the shared pid namespace's init
//   pods/<uid>/released                         stopped for good, its resources freed
//   pods/<uid>/containers/<name>/config.json    shim input
//                               /state.json     written by the shim after exec
//                               /exit.json      written by the shim after reaping
//                               /seccomp.bpf    compiled seccomp filter, if any
//                               /shim.lock     flock held by the shim while it lives
//                               /rootfs /shim.log
// Under the root directory (default /var/lib/podkeeper, on disk), what containers write, so it
// fills a disk and not the node's memory, and can be measured against ephemeral-storage limits:
//   pods/<uid>/volumes/<name>                   emptyDir volumes (a tmpfs for medium Memory)
//                                               and downwardAPI volumes (atomic_writer.h)
//   pods/<uid>/containers/<name>/upper /work    the writable layer
//                               /termination-log
// Both pod directories are removed with the pod.
namespace podkeeper::runtime {

// "pid" only with shareProcessNamespace, pinned by the pod's reaper (see pid_reaper.h).
inline constexpr const char* kPinnedNamespaces[] = {"net", "ipc", "uts", "pid", "user"};

// The files of one container directory (the shim's --bundle).
struct ContainerPaths {
  std::string dir;      // in the state directory
  std::string dataDir;  // in the root directory
  std::string config() const { return dir + "/config.json"; }
  std::string state() const { return dir + "/state.json"; }
  std::string exit() const { return dir + "/exit.json"; }
  std::string upper() const { return dataDir + "/upper"; }
  std::string work() const { return dataDir + "/work"; }
  std::string rootfs() const { return dir + "/rootfs"; }
  std::string shimLog() const { return dir + "/shim.log"; }
  // How many log entries the shim could not write to the CRI log (a full or failing log
  // filesystem): written by the shim from its first loss on, 20 decimal digits and a newline
  // rewritten in place; absent while nothing was lost.
  std::string logDropped() const { return dir + "/log-dropped"; }
  // The shim's attach socket (SOCK_SEQPACKET, 0600), as conmon's; its path can be longer than
  // sun_path, so it is reached through /proc/self/fd/<dir fd>/attach.
  std::string attach() const { return dir + "/attach"; }
  std::string shimLock() const { return dir + "/shim.lock"; }
  std::string terminationLog() const { return dataDir + "/termination-log"; }
  std::string seccompProgram() const { return dir + "/seccomp.bpf"; }
};

class StateLayout {
 public:
  StateLayout(std::string root, std::string dataRoot)
      : root_(std::move(root)), dataRoot_(std::move(dataRoot)) {}

  const std::string& root() const { return root_; }
  std::string lockFile() const { return root_ + "/podkeeper.lock"; }
  const std::string& dataRoot() const { return dataRoot_; }
  std::string podDataDir(const std::string& uid) const { return dataRoot_ + "/pods/" + uid; }
  std::string podsDir() const { return root_ + "/pods"; }
  std::string podDir(const std::string& uid) const { return podsDir() + "/" + uid; }
  std::string sandboxFile(const std::string& uid) const { return podDir(uid) + "/sandbox.json"; }
  std::string reaperFile(const std::string& uid) const { return podDir(uid) + "/reaper.json"; }
  // Written once the pod is being stopped (StopRecord).
  std::string stopFile(const std::string& uid) const { return podDir(uid) + "/stop.json"; }
  // The pod's CNI record (runtime/network/network_record.h): what DEL needs, kept until done.
  std::string networkFile(const std::string& uid) const { return podDir(uid) + "/network.json"; }
  // Present once a pod stopped for good was released (ContainerRuntime::releaseSandbox).
  std::string releasedFile(const std::string& uid) const { return podDir(uid) + "/released"; }
  std::string nsDir(const std::string& uid) const { return podDir(uid) + "/ns"; }
  std::string nsPin(const std::string& uid, const std::string& ns) const {
    return nsDir(uid) + "/" + ns;
  }
  std::string containersDir(const std::string& uid) const { return podDir(uid) + "/containers"; }
  std::string volumesDir(const std::string& uid) const { return podDataDir(uid) + "/volumes"; }
  std::string emptyDir(const std::string& uid, const std::string& name) const {
    return volumesDir(uid) + "/" + name;
  }
  ContainerPaths container(const std::string& uid, const std::string& name) const {
    return ContainerPaths{containersDir(uid) + "/" + name, podDataDir(uid) + "/containers/" + name};
  }

 private:
  std::string root_;
  std::string dataRoot_;
};

// Refuses names that could leave their directory ("", ".", "..", anything with '/').
Result<void> checkPathComponent(const std::string& what, const std::string& value);

// A cgroup path the runtime may create, kill and remove: relative, non-empty, no "." or ".."
// components. An empty path would be the root of every hierarchy: killAll there kills the
// machine.
Result<void> checkCgroupPath(const std::string& what, const std::string& path);

// Names of the subdirectories of dir, sorted; empty when dir does not exist.
Result<std::vector<std::string>> listSubdirs(const std::string& dir);

// mkdir -p, then path itself (not a symlink) set to 0700 even when it existed wider.
Result<void> makePrivateDir(const std::string& path);

// The agent's claim on a state directory: an exclusive flock on <dir>/podkeeper.lock, which
// records the holder's pid. Released when the process ends, however it ends.
class StateDirLock {
 public:
  // Fails, naming the directory and the holder's pid, when another process holds it.
  static Result<StateDirLock> acquire(const std::string& lockFile);

 private:
  explicit StateDirLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace podkeeper::runtime
