#include "runtime/bundle/state_json.h"

#include "common/json_text.h"
#include "runtime/bundle/json_fields.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {

using nlohmann::json;

SandboxRecord sandboxRecordFor(const SandboxSpec& spec, std::string hostname) {
  return {.uid = spec.uid,
          .name = spec.name,
          .namespace_ = spec.namespace_,
          .hostname = std::move(hostname),
          .specHash = spec.specHash,
          .cgroupParent = spec.cgroupParent,
          .terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds,
          .hostNetwork = spec.hostNetwork,
          .hostIPC = spec.hostIPC,
          .hostPID = spec.hostPID,
          .shareProcessNamespace = spec.shareProcessNamespace,
          .createdAtNs = spec.createdAtNs,
          .sidecars = spec.sidecars,
          .logDir = spec.logDir,
          .allocated = spec.allocated};
}

std::vector<std::string> podNamespaceKinds(const SandboxRecord& r) {
  std::vector<std::string> kinds;
  if (!r.hostNetwork) kinds.push_back("net");
  if (!r.hostIPC) kinds.push_back("ipc");
  if (!r.hostNetwork) kinds.push_back("uts");
  if (r.userNamespaceHostId) kinds.push_back("user");
  return kinds;
}

std::string encodeSandboxRecord(const SandboxRecord& r) {
  json record{{"uid", r.uid},
              {"name", r.name},
              {"namespace", r.namespace_},
              {"hostname", r.hostname},
              {"specHash", r.specHash},
              {"cgroupParent", r.cgroupParent},
              {"terminationGracePeriodSeconds", r.terminationGracePeriodSeconds},
              {"hostNetwork", r.hostNetwork},
              {"hostIPC", r.hostIPC},
              {"hostPID", r.hostPID},
              {"shareProcessNamespace", r.shareProcessNamespace},
              {"createdAtNs", r.createdAtNs},
              {"sidecars", r.sidecars},
              {"logDir", r.logDir}};
  if (r.userNamespaceHostId) record["userNamespaceHostId"] = *r.userNamespaceHostId;
  if (!r.allocated.empty()) record["allocated"] = r.allocated;
  return dumpJson(record);
}

Result<SandboxRecord> decodeSandboxRecord(std::string_view text, const std::string& file) {
  auto j = parseJson(text, file);
  if (!j) return fail(j.error());
  JsonFields f(*j, file);
  SandboxRecord r;
  r.uid = f.required<std::string>("uid");
  r.name = f.get<std::string>("name");
  r.namespace_ = f.get<std::string>("namespace");
  r.hostname = f.get<std::string>("hostname");
  r.specHash = f.get<std::string>("specHash");
  r.cgroupParent = f.required<std::string>("cgroupParent");
  r.terminationGracePeriodSeconds = f.get<int64_t>("terminationGracePeriodSeconds", 30);
  r.hostNetwork = f.get<bool>("hostNetwork");
  r.hostIPC = f.get<bool>("hostIPC");
  r.hostPID = f.get<bool>("hostPID");
  r.shareProcessNamespace = f.get<bool>("shareProcessNamespace");
  r.createdAtNs = f.get<int64_t>("createdAtNs");
  r.sidecars = f.get<std::vector<std::string>>("sidecars");
  r.logDir = f.get<std::string>("logDir");
  r.userNamespaceHostId = f.optional<uint32_t>("userNamespaceHostId");
  r.allocated = f.get<std::string>("allocated");
  if (f.error()) return fail(*f.error());
  return r;
}

std::string encodeContainerRecord(const ContainerRecord& r) {
  json record{{"name", r.name},
              {"image", r.image},
              {"cgroupPath", r.cgroupPath},
              {"shimPid", r.shimPid},
              {"shimStartTime", r.shimStartTime},
              {"pid", r.pid},
              {"pidStartTime", r.pidStartTime},
              {"startedAtNs", r.startedAtNs},
              {"restartCount", r.restartCount},
              {"stopSignal", r.stopSignal},
              {"warnings", r.warnings}};
  return dumpJson(record);
}

Result<ContainerRecord> decodeContainerRecord(std::string_view text, const std::string& file) {
  auto j = parseJson(text, file);
  if (!j) return fail(j.error());
  JsonFields f(*j, file);
  ContainerRecord r;
  r.name = f.get<std::string>("name");
  r.image = f.get<std::string>("image");
  r.cgroupPath = f.required<std::string>("cgroupPath");
  r.shimPid = f.required<pid_t>("shimPid");
  r.shimStartTime = f.get<uint64_t>("shimStartTime");
  r.pid = f.required<pid_t>("pid");
  r.pidStartTime = f.get<uint64_t>("pidStartTime");
  r.startedAtNs = f.get<int64_t>("startedAtNs");
  r.restartCount = f.get<int>("restartCount");
  r.stopSignal = f.get<int>("stopSignal", SIGTERM);
  r.warnings = f.get<std::vector<std::string>>("warnings");
  if (f.error()) return fail(*f.error());
  return r;
}

std::string encodeStopRecord(const StopRecord& r) {
  json record{{"killDeadlineNs", r.killDeadlineNs},
              {"signalled", r.signalled},
              {"reason", r.reason},
              {"message", r.message}};
  return dumpJson(record);
}

Result<StopRecord> decodeStopRecord(std::string_view text, const std::string& file) {
  auto j = parseJson(text, file);
  if (!j) return fail(j.error());
  JsonFields f(*j, file);
  StopRecord r;
  r.killDeadlineNs = f.required<int64_t>("killDeadlineNs");
  r.signalled = f.get<std::vector<std::string>>("signalled");
  r.reason = f.get<std::string>("reason");
  r.message = f.get<std::string>("message");
  if (f.error()) return fail(*f.error());
  return r;
}

std::string encodeExitRecord(const ExitRecord& r) {
  json record{{"exitCode", r.exitCode},
              {"signal", r.signal},
              {"oomKilled", r.oomKilled},
              {"startedAtNs", r.startedAtNs},
              {"finishedAtNs", r.finishedAtNs}};
  return dumpJson(record);
}

Result<ExitRecord> decodeExitRecord(std::string_view text, const std::string& file) {
  auto j = parseJson(text, file);
  if (!j) return fail(j.error());
  JsonFields f(*j, file);
  ExitRecord r;
  r.exitCode = f.required<int>("exitCode");
  r.signal = f.get<int>("signal");
  r.oomKilled = f.get<bool>("oomKilled");
  r.startedAtNs = f.get<int64_t>("startedAtNs");
  r.finishedAtNs = f.get<int64_t>("finishedAtNs");
  if (f.error()) return fail(*f.error());
  return r;
}

Result<ContainerRecord> readContainerRecord(const std::string& file) {
  auto text = readWholeFile(file);
  if (!text) return fail(text.error());
  return decodeContainerRecord(*text, file);
}

}  // namespace podkeeper::runtime
