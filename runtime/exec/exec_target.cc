#include "runtime/exec/exec_target.h"

#include "runtime/bundle/json_fields.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/bundle/state_json.h"
#include "runtime/init/container_init.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {
namespace {

// The seccomp program as hex of its raw instructions: the CLI loads exactly what the init did.
std::string programHex(const std::vector<sock_filter>& program) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const auto* bytes = reinterpret_cast<const unsigned char*>(program.data());
  std::string out;
  for (size_t i = 0; i < program.size() * sizeof(sock_filter); ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

Result<std::vector<sock_filter>> programFromHex(const std::string& hex, const std::string& what) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  if (hex.size() % (2 * sizeof(sock_filter)) != 0) {
    return failMsg(what + ": field \"seccompProgram\": " + std::to_string(hex.size()) +
                   " hex digits are not whole instructions");
  }
  std::vector<sock_filter> program(hex.size() / (2 * sizeof(sock_filter)));
  auto* bytes = reinterpret_cast<unsigned char*>(program.data());
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) {
      return failMsg(what + ": field \"seccompProgram\": not lowercase hex at offset " +
                     std::to_string(i));
    }
    bytes[i / 2] = static_cast<unsigned char>(hi << 4 | lo);
  }
  return program;
}

}  // namespace

Result<ExecTarget> loadExecTarget(const StateLayout& layout, const std::string& sandboxUid,
                                  const std::string& name) {
  if (auto r = checkPathComponent("sandbox uid", sandboxUid); !r) return fail(r.error());
  if (auto r = checkPathComponent("container name", name); !r) return fail(r.error());
  const auto paths = layout.container(sandboxUid, name);
  auto rec = readContainerRecord(paths.state());
  if (!rec) return fail(rec.error());
  auto cfg = readShimConfig(paths.config());
  if (!cfg) return fail(cfg.error());
  auto identity = identityFor(*cfg);
  if (!identity) return fail(identity.error());
  auto hostname = readWholeFile(layout.podDir(sandboxUid) + "/hostname");
  std::string host = hostname ? *hostname : std::string();
  while (!host.empty() && host.back() == '\n') host.pop_back();
  return ExecTarget{rec->pid,
                    rec->pidStartTime,
                    rec->cgroupPath,
                    std::move(*identity),
                    containerEnvironment(cfg->env, host),
                    cfg->workingDir};
}

nlohmann::json encodeExecTarget(const ExecTarget& t) {
  nlohmann::json identity = {{"capabilityMask", t.identity.capabilityMask},
                             {"noNewPrivileges", t.identity.noNewPrivileges},
                             {"groups", t.identity.groups}};
  if (t.identity.uid) identity["uid"] = *t.identity.uid;
  if (t.identity.gid) identity["gid"] = *t.identity.gid;
  if (!t.identity.seccompProgram.empty())
    identity["seccompProgram"] = programHex(t.identity.seccompProgram);
  return {{"pid", t.pid},
          {"pidStartTime", t.pidStartTime},
          {"cgroupPath", t.cgroupPath},
          {"identity", identity},
          {"env", t.env},
          {"workingDir", t.workingDir}};
}

Result<ExecTarget> decodeExecTarget(const nlohmann::json& j, const std::string& what) {
  JsonFields f(j, what);
  ExecTarget t;
  t.pid = f.required<pid_t>("pid");
  t.pidStartTime = f.required<uint64_t>("pidStartTime");
  t.cgroupPath = f.required<std::string>("cgroupPath");
  t.env = f.get<std::vector<std::string>>("env");
  t.workingDir = f.get<std::string>("workingDir", "/");
  auto identity = f.get<nlohmann::json>("identity", nlohmann::json::object());
  if (f.error()) return fail(*f.error());
  JsonFields id(identity, what + " identity");
  t.identity.capabilityMask = id.get<uint64_t>("capabilityMask");
  t.identity.noNewPrivileges = id.get<bool>("noNewPrivileges", true);
  t.identity.groups = id.get<std::vector<gid_t>>("groups");
  if (identity.contains("uid")) t.identity.uid = id.get<uid_t>("uid");
  if (identity.contains("gid")) t.identity.gid = id.get<gid_t>("gid");
  const auto program = id.get<std::string>("seccompProgram");
  if (id.error()) return fail(*id.error());
  auto filter = programFromHex(program, what + " identity");
  if (!filter) return fail(filter.error());
  t.identity.seccompProgram = std::move(*filter);
  return t;
}

}  // namespace podkeeper::runtime
