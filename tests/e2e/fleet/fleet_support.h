#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/command.h"

// What the fleet suites share: their pod, "is it Running on this node", and the fleet CLI.
namespace podkeeper::e2e {

inline PodYaml fleetPod(const std::string& name) {
  PodYaml p;
  p.name = name;
  p.uid = "fleet-" + name;
  p.grace = 1;
  p.script = "while true; do sleep 1; done";
  return p;
}

inline bool podRunning(const AgentHarness& node, const std::string& name) {
  auto j = podJson(node, name);
  return !j.is_discarded() && j.is_object() &&
         j.value("status", nlohmann::json::object()).value("phase", "") == "Running";
}

// `podkeeper fleet ARGS ETCDFLAGS`, stdout and stderr together.
inline support::CommandResult fleetCli(const std::string& args, const std::string& etcdFlags) {
  return support::runShell(std::string(PK_AGENT_PATH) + " fleet " + args + " " + etcdFlags +
                           " 2>&1");
}

}  // namespace podkeeper::e2e
