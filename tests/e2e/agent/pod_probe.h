#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/command.h"

// Reads pods through the agent's API and their containers from the machine.
namespace podkeeper::e2e {

// GET /pods/<ns>/<name> parsed; null when there is no answer (a pod not known yet: the
// manifest is read off the loop), so podJson(...)["status"]["phase"] is null, not a throw.
nlohmann::json podJson(const AgentHarness& agent, const std::string& name,
                       const std::string& ns = "default");
// status.containerStatuses[i] (or initContainerStatuses) of the named container; null if none.
nlohmann::json containerStatus(const nlohmann::json& pod, const std::string& container);
// The container's init as seen from the host: the process in the cgroup directory whose PID
// in its own namespace is 1; 0 when there is none.
pid_t initPid(const std::string& cgroupDir);
// Runs the podkeeper CLI with args against the agent's socket; stdout and stderr together.
using CliRun = support::CommandResult;
CliRun runCli(const AgentHarness& agent, const std::string& args);

}  // namespace podkeeper::e2e
