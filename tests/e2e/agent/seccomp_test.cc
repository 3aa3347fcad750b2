#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// A pod whose container has the given seccompProfile (YAML flow mapping).
std::string seccompPod(const std::string& name, const std::string& uid, const std::string& profile,
                       const std::string& script) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "\n  uid: " + uid +
         "\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: app\n"
         "    image: busybox\n    command: [\"sh\", \"-c\", \"" +
         script + "\"]\n    securityContext:\n      seccompProfile: " + profile + "\n";
}

class SeccompE2e : public ::testing::Test {
 protected:
  void SetUp() override { agent.start({"--seccomp-profile-root", profiles_}); }

  json podJson(const std::string& name) { return e2e::podJson(agent, name); }
  json containerState(const std::string& name) {
    const json pod = podJson(name);
    if (!pod.is_object() || !pod.contains("status")) return json();
    const auto& statuses = pod["status"].value("containerStatuses", json::array());
    return statuses.empty() ? json() : statuses[0].value("state", json());
  }

  support::TempDir profilesTmp_{"pk-e2e-seccomp"};
  const std::string profiles_ = profilesTmp_.path();
  AgentHarness agent;
};

TEST_F(SeccompE2e, RuntimeDefaultPodRunsFiltered) {
  agent.dropManifest("sc.yaml", seccompPod("sc", "e2e-sc-1", "{type: RuntimeDefault}",
                                           "grep Seccomp: /proc/self/status; sleep 30"));
  const std::string log = agent.logFile("default", "sc", "e2e-sc-1", "app", 0);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find("Seccomp:\t2") != std::string::npos; }, 10s))
      << readFile(log) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return containerState("sc").contains("running"); }, 5s))
      << podJson("sc").dump(2);
}

TEST_F(SeccompE2e, UnusableLocalhostProfileShowsInThePodStatus) {
  std::ofstream(profiles_ + "/broken.json") << R"({"defaultAction": "SCMP_ACT_SOMETIMES"})";
  agent.dropManifest(
      "bad.yaml", seccompPod("bad", "e2e-sc-2", "{type: Localhost, localhostProfile: broken.json}",
                             "sleep 30"));
  json waiting;
  ASSERT_TRUE(waitFor(
      [&] {
        waiting = containerState("bad").value("waiting", json());
        return waiting.value("reason", "") == "CreateContainerError";
      },
      10s))
      << podJson("bad").dump(2) << agent.agentLog();
  const std::string message = waiting.value("message", "");
  EXPECT_NE(message.find(profiles_ + "/broken.json: field defaultAction: unknown action "
                                     "\"SCMP_ACT_SOMETIMES\""),
            std::string::npos)
      << message;
  const auto events = agent.get("/pods/default/bad/events");
  EXPECT_NE(events.body.find("SCMP_ACT_SOMETIMES"), std::string::npos) << events.body;
}

}  // namespace
}  // namespace podkeeper::e2e
