#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/exec/container_exec.h"

// Where and as whom `podkeeper exec` runs a command: read by the agent from the state
// directory, handed to the CLI over the unix socket, which joins the container itself.
namespace podkeeper::runtime {

// The running container's init (pid and start time), cgroup, user, groups, capabilities,
// no_new_privs, seccomp program, environment and working directory, from its state.json,
// config.json and seccomp.bpf.
Result<ExecTarget> loadExecTarget(const StateLayout& layout, const std::string& sandboxUid,
                                  const std::string& name);

// The whole identity travels, the seccomp program as hex of its instructions, so that
// `podkeeper exec` runs under the same filter as the container.
nlohmann::json encodeExecTarget(const ExecTarget& target);
Result<ExecTarget> decodeExecTarget(const nlohmann::json& j, const std::string& what);

}  // namespace podkeeper::runtime
