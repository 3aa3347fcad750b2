#include "agent/cli/exec.h"

#include <cerrno>
#include <ostream>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/select/make_manager.h"
#include "runtime/exec/container_exec.h"
#include "runtime/exec/exec_target.h"
#include "runtime/sys/sealed_binary.h"

namespace podkeeper::cli {
namespace {

std::string execTarget(const ExecOptions& o) {
  std::string target = "/pods/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name) + "/exec";
  return o.container.empty() ? target : target + "?container=" + urlEncode(o.container);
}

}  // namespace

int runExec(const ExecOptions& o, std::ostream& err) {
  auto location = getJson(o.endpoint, execTarget(o));
  if (!location) {
    err << location.error().message << "\n";
    return 1;
  }
  const std::string defaulted = location->value("defaulted", "");
  if (!defaulted.empty()) err << defaulted << "\n";
  const auto& j = (*location)["target"];
  auto target = runtime::decodeExecTarget(j, "exec target");
  if (!target) {
    err << "error: " << target.error().message << "\n";
    return 1;
  }
  auto cgroups = runtime::cgroup::makeCgroupManager(
      {j.value("cgroupMount", "/sys/fs/cgroup"), "/proc/self/mountinfo"});
  if (!cgroups) {
    err << "error: cgroups: " << cgroups.error().message << "\n";
    return 1;
  }
  // The same shim the agent runs, joined from a sealed copy of our own (see sealed_binary.h).
  const bool named = j.contains("shim") && j["shim"].is_string();
  auto shim = runtime::SealedBinary::copyOf(named ? j["shim"].get<std::string>() : "");
  if (!shim) {
    err << "error: podkeeper-shim: " << shim.error().message << "\n";
    return 1;
  }
  err.flush();
  auto exit = runtime::runAttached(*shim, *target, o.command, **cgroups);
  if (!exit) {
    err << "error: " << exit.error().message << "\n";
    return 1;
  }
  if (exit->execError && exit->execError->code == ENOENT) {
    err << "exec: \"" << o.command.front() << "\": executable file not found in $PATH\n";
    return 127;
  }
  if (exit->execError) {
    err << "error: " << exit->execError->message << "\n";
    return 126;
  }
  return exit->exitCode;
}

}  // namespace podkeeper::cli
