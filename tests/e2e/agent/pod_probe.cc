#include "tests/e2e/agent/pod_probe.h"

#include <fstream>

#include "tests/e2e/agent/machine_probe.h"

namespace podkeeper::e2e {

nlohmann::json podJson(const AgentHarness& agent, const std::string& name, const std::string& ns) {
  auto r = agent.get("/pods/" + ns + "/" + name);
  if (r.status != 200) return nullptr;
  auto pod = nlohmann::json::parse(r.body, nullptr, false);
  return pod.is_discarded() ? nullptr : pod;
}

nlohmann::json containerStatus(const nlohmann::json& pod, const std::string& container) {
  if (!pod.is_object() || !pod.contains("status")) return nullptr;
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    if (!pod["status"].contains(list)) continue;
    for (const auto& s : pod["status"][list])
      if (s.value("name", "") == container) return s;
  }
  return nullptr;
}

pid_t initPid(const std::string& cgroupDir) {
  for (pid_t p : pidsIn(cgroupDir)) {
    std::ifstream status("/proc/" + std::to_string(p) + "/status");
    for (std::string line; std::getline(status, line);)
      if (line.rfind("NSpid:", 0) == 0 && line.size() > 2 &&
          line.substr(line.find_last_of("\t ") + 1) == "1")
        return p;
  }
  return 0;
}

CliRun runCli(const AgentHarness& agent, const std::string& args) {
  return support::runShell(std::string(PK_AGENT_PATH) + " " + args + " --socket " +
                           agent.stateDir() + "/podkeeper.sock 2>&1");
}

}  // namespace podkeeper::e2e
