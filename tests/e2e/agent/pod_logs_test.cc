#include <gtest/gtest.h>

#include <filesystem>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"

// Container logs on the node: gone with their pod, rotated at the configured size.
namespace podkeeper::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

TEST(PodLogs, DeletedPodsLogDirectoryIsRemoved) {
  AgentHarness agent;
  agent.start();
  PodYaml pod;
  pod.uid = "e2e-logs-gone-1";
  pod.script = "echo hello; while true; do sleep 1; done";
  agent.dropManifest("web.yaml", pod.str());
  const std::string log = agent.logFile("default", pod.name, pod.uid, pod.container, 0);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find(" F hello\n") != std::string::npos; }, 15s))
      << agent.agentLog();
  agent.removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return !exists(agent.stateDir() + "/pods/" + pod.uid); }, 20s))
      << agent.agentLog();
  EXPECT_FALSE(exists(fs::path(log).parent_path().parent_path()));
}

TEST(PodLogs, LogIsRotatedAtTheConfiguredSizeKeepingTheConfiguredFiles) {
  AgentHarness agent;
  agent.start({"--container-log-max-size", "2Ki", "--container-log-max-files", "2"});
  PodYaml pod;
  pod.uid = "e2e-rotate-1";
  pod.script =
      "i=0; while [ $$i -lt 200 ]; do echo line-$$i; i=$$((i+1)); done; echo end; "
      "while true; do sleep 1; done";
  agent.dropManifest("web.yaml", pod.str());
  const std::string log = agent.logFile("default", pod.name, pod.uid, pod.container, 0);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find(" F end\n") != std::string::npos; }, 15s))
      << agent.agentLog();
  EXPECT_TRUE(exists(log + ".1"));
  EXPECT_FALSE(exists(log + ".2"));
  EXPECT_LE(fs::file_size(log), 2048u);
}

}  // namespace
}  // namespace podkeeper::e2e
