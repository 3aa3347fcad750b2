#include "agent/cli/exec.h"

#include <cstring>
#include <ostream>

#include "runtime/attached_exec.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/exec_target.h"

namespace podkeeper::cli {
namespace {

std::string execTarget(const ExecOptions& o) {
  std::string target = "/pods/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name) + "/exec";
  return o.container.empty() ? target : target + "?container=" + urlEncode(o.container);
}

}  // namespace

int runExec(const ExecOptions& o, std::ostream& err) {
  auto location = getJson(o.socketPath, execTarget(o));
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
  err.flush();
  auto exit = runtime::runAttached(*target, o.command, **cgroups);
  if (!exit) {
    err << "error: " << exit.error().message << "\n";
    return 1;
  }
  if (exit->execErrno == ENOENT) {
    err << "exec: \"" << o.command.front() << "\": executable file not found in $PATH\n";
    return 127;
  }
  if (exit->execErrno != 0) {
    err << "exec: \"" << o.command.front() << "\": " << std::strerror(exit->execErrno) << "\n";
    return 126;
  }
  return exit->exitCode;
}

}  // namespace podkeeper::cli
