#pragma once

#include <csignal>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"

// config.json: everything the shim needs to start one container, written by the agent.
namespace podkeeper::runtime {

// A bind mount into the container, source already resolved to a host path.
struct ShimMount {
  std::string source;
  std::string destination;
  bool readOnly = false;
  std::string subPath{};  // resolved by the container's init, below source
  std::string name{};     // the volume's, for messages
  MountPropagation propagation = MountPropagation::Private;
  bool recursiveReadOnly = true;
  std::vector<std::string> imageLayers{};  // an image volume (BindMount::imageLayers)
  bool operator==(const ShimMount&) const = default;
};

struct ShimConfig {
  std::string sandboxUid;
  std::string containerName;
  std::string image;
  std::string imageId;  // ResolvedImage::imageId, for the container's status
  int restartCount = 0;

  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
  std::string workingDir = "/";
  int stopSignal = SIGTERM;  // what a graceful stop sends (the image's StopSignal)

  std::vector<std::string> lowerDirs;  // image layers, read-only, top first
  std::string upperDir;                // the writable layer, on disk under the root dir
  std::string workDir;                 // overlayfs's work dir, beside it
  std::string sandboxDir;              // holds hostname, hosts, resolv.conf and ns/<net|ipc|uts>

  std::string logPath;
  uint64_t logMaxBytes = 10 * 1024 * 1024;
  int logMaxFiles = 5;

  cgroup::CgroupPath cgroupPath;  // the container's
  cgroup::CgroupPath shimCgroup;  // where the shim itself lives
  std::string cgroupMountRoot = "/sys/fs/cgroup";
  std::string cgroupMountinfoPath = "/proc/self/mountinfo";

  std::vector<std::string> capabilities;  // names without CAP_, e.g. "CHOWN"
  bool noNewPrivileges = true;
  bool privileged = false;    // no masked or read-only paths, /sys writable
  bool unmaskedProc = false;  // procMount: Unmasked: no masked or read-only paths either
  std::optional<int64_t> runAsUser, runAsGroup;
  std::optional<int> oomScoreAdj;
  std::vector<int64_t> supplementalGroups;
  std::string seccompProgram;   // compiled BPF program in the container's directory; "" = none
  std::string appArmorProfile;  // set for the command's exec; "" = none (unconfined)

  std::vector<std::string> namespaces = {"net", "ipc", "uts"};  // pod namespaces to join
  // With "user" among them (hostUsers: false): the first host id its ids 0-65535 map onto.
  std::optional<uint32_t> userNamespaceHostId;
  bool hostPID = false;             // no pid namespace of its own
  bool sharedPidNamespace = false;  // born into the pod's, pinned at <sandboxDir>/ns/pid
  std::vector<ShimMount> mounts;
  bool readOnlyRootfs = false;
  bool stdin = false;      // a pipe for stdin, its write end kept by the shim for attach
  bool stdinOnce = false;  // stdin closed when the first attach detaches
  bool tty = false;        // a pty: master kept by the shim, the slave as stdin/out/err

  bool operator==(const ShimConfig&) const = default;
};

std::string encodeShimConfig(const ShimConfig& c);
Result<ShimConfig> decodeShimConfig(std::string_view json, const std::string& file);
// A bundle's config.json read from `file` and decoded.
Result<ShimConfig> readShimConfig(const std::string& file);

}  // namespace podkeeper::runtime
