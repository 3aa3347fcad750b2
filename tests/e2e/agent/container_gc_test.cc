#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// The dead-container GC through the real agent: the logs of a container's earlier instances
// beyond --maximum-dead-containers-per-container go, and a pod log directory no pod owns goes,
// while a live pod's stays.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

int restartCount(const AgentHarness& agent, const std::string& pod) {
  auto s = containerStatus(podJson(agent, pod), "app");
  return s.is_object() ? s.value("restartCount", 0) : 0;
}

TEST(ContainerGc, EarlierInstancesLogsBeyondTheLimitAndOrphanedLogDirectoriesAreRemoved) {
  AgentHarness agent;
  // Left by a pod the agent no longer knows (an agent killed mid-delete).
  const std::string orphan = agent.logDir() + "/default_ghost_e2e-gc-ghost";
  fs::create_directories(orphan + "/app");
  std::ofstream(orphan + "/app/0.log") << "2024-01-01T00:00:00Z stdout F old\n";
  agent.start({"--maximum-dead-containers-per-container", "0"});

  PodYaml pod;
  pod.name = "crasher";
  pod.uid = "e2e-gc-crasher";
  pod.script = "echo run; sleep 1; exit 1";
  agent.dropManifest("crasher.yaml", pod.str());
  const std::string logs = agent.logDir() + "/default_crasher_e2e-gc-crasher/app";

  ASSERT_TRUE(waitFor([&] { return !fs::exists(orphan); }, 15s)) << agent.agentLog();
  EXPECT_TRUE(fs::exists(logs + "/0.log")) << "the current instance's log stays";

  // After its first restart (the crash back-off's 10 s), instance 0 is dead: with a limit of
  // 0 its log goes; the current one stays, and so does the live pod's directory.
  ASSERT_TRUE(waitFor([&] { return restartCount(agent, "crasher") >= 1; }, 30s))
      << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return !fs::exists(logs + "/0.log"); }, 10s)) << agent.agentLog();
  EXPECT_TRUE(fs::exists(logs + "/1.log"));
  EXPECT_NE(agent.agentLog().find("removed the log directory " + orphan), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::e2e
