#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/container_runtime.h"

// The records of the state directory and their JSON form. Pure: tested on strings.
namespace podkeeper::runtime {

// <state>/pods/<uid>/sandbox.json
struct SandboxRecord {
  std::string uid;
  std::string name;
  std::string namespace_;
  std::string hostname;
  std::string specHash;
  cgroup::CgroupPath cgroupParent;
  int64_t terminationGracePeriodSeconds = 30;
  bool hostNetwork = false;
  bool hostIPC = false;
  bool hostPID = false;
  bool shareProcessNamespace = false;  // one pid namespace for the pod, kept by a reaper
  int64_t createdAtNs = 0;             // the first ensureSandbox; kept when the record is rewritten
  std::vector<std::string> sidecars = {};  // init containers that keep running, in order
  std::string logDir = {};                 // the pod's CRI log directory, removed with the sandbox
  // hostUsers: false: the first of the 65536 host ids the pod's user namespace maps onto
  std::optional<uint32_t> userNamespaceHostId = std::nullopt;
  std::string allocated = {};  // SandboxSpec::allocated; "" (and left out) when none
  bool operator==(const SandboxRecord&) const = default;
};

// <container dir>/state.json, written by the shim once the command was exec'd.
// Start times are /proc/<pid>/stat field 22, so a recycled pid is never mistaken for ours.
struct ContainerRecord {
  std::string name;
  std::string image;
  cgroup::CgroupPath cgroupPath;
  pid_t shimPid = 0;
  uint64_t shimStartTime = 0;
  pid_t pid = 0;
  uint64_t pidStartTime = 0;
  int64_t startedAtNs = 0;
  int restartCount = 0;
  int stopSignal = SIGTERM;           // from the config: what a graceful stop sends
  std::vector<std::string> warnings;  // what the kernel did not allow (e.g. oom_score_adj)
  bool operator==(const ContainerRecord&) const = default;
};

// The record of the sandbox made from spec, with the hostname its containers see.
SandboxRecord sandboxRecordFor(const SandboxSpec& spec, std::string hostname);

// The namespaces a sandbox pins and its containers join: net and uts unless hostNetwork,
// ipc unless hostIPC.
std::vector<std::string> podNamespaceKinds(const SandboxRecord& r);

std::string encodeSandboxRecord(const SandboxRecord& r);
Result<SandboxRecord> decodeSandboxRecord(std::string_view json, const std::string& file);

std::string encodeContainerRecord(const ContainerRecord& r);
Result<ContainerRecord> decodeContainerRecord(std::string_view json, const std::string& file);
// A container's state.json read from `file` and decoded.
Result<ContainerRecord> readContainerRecord(const std::string& file);

// <state>/pods/<uid>/stop.json
std::string encodeStopRecord(const StopRecord& r);
Result<StopRecord> decodeStopRecord(std::string_view json, const std::string& file);

std::string encodeExitRecord(const ExitRecord& r);
Result<ExitRecord> decodeExitRecord(std::string_view json, const std::string& file);

}  // namespace podkeeper::runtime
