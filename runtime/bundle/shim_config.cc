#include "runtime/bundle/shim_config.h"

#include "common/json_text.h"
#include "runtime/bundle/json_fields.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {

using nlohmann::json;
using Strings = std::vector<std::string>;

namespace {

const char* propagationName(MountPropagation p) {
  switch (p) {
    case MountPropagation::HostToContainer:
      return "rslave";
    case MountPropagation::Bidirectional:
      return "rshared";
    case MountPropagation::Private:
      break;
  }
  return "rprivate";
}

json mountsJson(const std::vector<ShimMount>& mounts) {
  json out = json::array();
  for (const auto& m : mounts) {
    out.push_back({{"source", m.source},
                   {"destination", m.destination},
                   {"readOnly", m.readOnly},
                   {"subPath", m.subPath},
                   {"name", m.name},
                   {"propagation", propagationName(m.propagation)},
                   {"recursiveReadOnly", m.recursiveReadOnly},
                   {"imageLayers", m.imageLayers}});
  }
  return out;
}

Result<std::vector<ShimMount>> decodeMounts(const json& j, const std::string& file) {
  if (!j.is_array()) return failMsg(file + ": field \"mounts\": expected an array");
  std::vector<ShimMount> out;
  for (size_t i = 0; i < j.size(); ++i) {
    JsonFields f(j[i], file + ": mounts[" + std::to_string(i) + "]");
    ShimMount m;
    m.source = f.required<std::string>("source");
    m.destination = f.required<std::string>("destination");
    m.readOnly = f.get<bool>("readOnly");
    m.subPath = f.get<std::string>("subPath");
    m.name = f.get<std::string>("name");
    const auto propagation = f.get<std::string>("propagation", "rprivate");
    if (propagation == "rslave") {
      m.propagation = MountPropagation::HostToContainer;
    } else if (propagation == "rshared") {
      m.propagation = MountPropagation::Bidirectional;
    } else if (propagation != "rprivate") {
      return failMsg(file + ": mounts[" + std::to_string(i) + "]: propagation \"" + propagation +
                     "\" is not one of rprivate, rslave, rshared");
    }
    m.recursiveReadOnly = f.get<bool>("recursiveReadOnly", true);
    m.imageLayers = f.get<Strings>("imageLayers");
    if (f.error()) return fail(*f.error());
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace

std::string encodeShimConfig(const ShimConfig& c) {
  json config{
      {"sandboxUid", c.sandboxUid},
      {"containerName", c.containerName},
      {"image", c.image},
      {"imageID", c.imageId},
      {"restartCount", c.restartCount},
      {"argv", c.argv},
      {"env", c.env},
      {"workingDir", c.workingDir},
      {"lowerDirs", c.lowerDirs},
      {"stopSignal", c.stopSignal},
      {"upperDir", c.upperDir},
      {"workDir", c.workDir},
      {"sandboxDir", c.sandboxDir},
      {"logPath", c.logPath},
      {"logMaxBytes", c.logMaxBytes},
      {"logMaxFiles", c.logMaxFiles},
      {"cgroupPath", c.cgroupPath},
      {"shimCgroup", c.shimCgroup},
      {"cgroupMountRoot", c.cgroupMountRoot},
      {"cgroupMountinfoPath", c.cgroupMountinfoPath},
      {"capabilities", c.capabilities},
      {"noNewPrivileges", c.noNewPrivileges},
      {"privileged", c.privileged},
      {"unmaskedProc", c.unmaskedProc},
      {"runAsUser", c.runAsUser ? json(*c.runAsUser) : json()},
      {"runAsGroup", c.runAsGroup ? json(*c.runAsGroup) : json()},
      {"oomScoreAdj", c.oomScoreAdj ? json(*c.oomScoreAdj) : json()},
      {"supplementalGroups", c.supplementalGroups},
      {"seccompProgram", c.seccompProgram},
      {"appArmorProfile", c.appArmorProfile},
      {"namespaces", c.namespaces},
      {"userNamespaceHostId", c.userNamespaceHostId ? json(*c.userNamespaceHostId) : json()},
      {"hostPID", c.hostPID},
      {"sharedPidNamespace", c.sharedPidNamespace},
      {"mounts", mountsJson(c.mounts)},
      {"readOnlyRootfs", c.readOnlyRootfs},
      {"stdin", c.stdin},
      {"stdinOnce", c.stdinOnce},
      {"tty", c.tty}};
  return dumpJson(config, 2);
}

Result<ShimConfig> decodeShimConfig(std::string_view text, const std::string& file) {
  auto j = parseJson(text, file);
  if (!j) return fail(j.error());
  JsonFields f(*j, file);
  ShimConfig c;
  c.sandboxUid = f.get<std::string>("sandboxUid");
  c.containerName = f.required<std::string>("containerName");
  c.image = f.get<std::string>("image");
  c.imageId = f.get<std::string>("imageID");  // absent in bundles of older agents
  c.restartCount = f.get<int>("restartCount");
  c.argv = f.required<Strings>("argv");
  c.env = f.get<Strings>("env");
  c.workingDir = f.get<std::string>("workingDir", "/");
  // "lowerDir" (one directory) is what agents before layered images wrote.
  if (j->contains("lowerDir"))
    c.lowerDirs = {f.required<std::string>("lowerDir")};
  else
    c.lowerDirs = f.required<Strings>("lowerDirs");
  c.stopSignal = f.get<int>("stopSignal", SIGTERM);
  c.upperDir = f.get<std::string>("upperDir");
  c.workDir = f.get<std::string>("workDir");
  c.sandboxDir = f.required<std::string>("sandboxDir");
  c.logPath = f.required<std::string>("logPath");
  c.logMaxBytes = f.get<uint64_t>("logMaxBytes", c.logMaxBytes);
  c.logMaxFiles = f.get<int>("logMaxFiles", c.logMaxFiles);
  c.cgroupPath = f.required<std::string>("cgroupPath");
  c.shimCgroup = f.required<std::string>("shimCgroup");
  c.cgroupMountRoot = f.get<std::string>("cgroupMountRoot", c.cgroupMountRoot);
  c.cgroupMountinfoPath = f.get<std::string>("cgroupMountinfoPath", c.cgroupMountinfoPath);
  c.capabilities = f.get<Strings>("capabilities");
  c.noNewPrivileges = f.get<bool>("noNewPrivileges", true);
  c.privileged = f.get<bool>("privileged", false);
  c.unmaskedProc = f.get<bool>("unmaskedProc", false);
  c.runAsUser = f.optional<int64_t>("runAsUser");
  c.runAsGroup = f.optional<int64_t>("runAsGroup");
  c.oomScoreAdj = f.optional<int>("oomScoreAdj");
  c.supplementalGroups = f.get<std::vector<int64_t>>("supplementalGroups");
  c.seccompProgram = f.get<std::string>("seccompProgram");
  c.appArmorProfile = f.get<std::string>("appArmorProfile");
  c.namespaces = f.get<Strings>("namespaces", c.namespaces);
  c.userNamespaceHostId = f.optional<uint32_t>("userNamespaceHostId");
  c.hostPID = f.get<bool>("hostPID");
  c.sharedPidNamespace = f.get<bool>("sharedPidNamespace");
  c.readOnlyRootfs = f.get<bool>("readOnlyRootfs");
  c.stdin = f.get<bool>("stdin");
  c.stdinOnce = f.get<bool>("stdinOnce");
  c.tty = f.get<bool>("tty");
  if (j->contains("mounts")) {
    auto mounts = decodeMounts(j->at("mounts"), file);
    if (!mounts) return fail(mounts.error());
    c.mounts = std::move(*mounts);
  }
  if (f.error()) return fail(*f.error());
  if (c.argv.empty()) return failMsg(file + ": field \"argv\": empty command");
  if (c.logMaxFiles < 1) return failMsg(file + ": field \"logMaxFiles\": must be at least 1");
  return c;
}

Result<ShimConfig> readShimConfig(const std::string& file) {
  auto text = readWholeFile(file);
  if (!text) return fail(text.error());
  return decodeShimConfig(*text, file);
}

}  // namespace podkeeper::runtime
