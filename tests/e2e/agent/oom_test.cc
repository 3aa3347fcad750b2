#include <gtest/gtest.h>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// A container over its memory limit is killed by the kernel and reported as the kubelet does.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

// busybox tail keeps a newline-free input whole in memory: 200 MiB of anonymous memory.
const char* kHog = "echo up; head -c 200m /dev/zero | tail";

TEST(OomKilled, ContainerOverItsMemoryLimitIsReportedOomKilledWithExitCode137) {
  AgentHarness agent;
  agent.start();
  PodYaml once;
  once.name = "once";
  once.uid = "once-uid";
  once.restartPolicy = "Never";
  once.memoryRequest = "32Mi";
  once.memoryLimit = "32Mi";
  once.script = kHog;
  PodYaml again = once;
  again.name = "again";
  again.uid = "again-uid";
  again.restartPolicy = "Always";
  agent.dropManifest("once.yaml", once.str());
  agent.dropManifest("again.yaml", again.str());

  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "once"), "app");
        return s.is_object() && s["state"].contains("terminated");
      },
      20s))
      << agent.agentLog();
  auto pod = podJson(agent, "once");
  auto terminated = containerStatus(pod, "app")["state"]["terminated"];
  EXPECT_EQ(terminated["reason"], "OOMKilled") << terminated.dump();
  EXPECT_EQ(terminated["exitCode"], 137);
  EXPECT_EQ(pod["status"]["phase"], "Failed");
  auto table = runCli(agent, "get pods");
  auto row = table.output.substr(table.output.find("\nonce ") + 1);
  row = row.substr(0, row.find('\n'));
  EXPECT_NE(row.find(" 0/1 "), std::string::npos) << table.output;
  EXPECT_NE(row.find(" OOMKilled "), std::string::npos) << table.output;

  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "again"), "app");
        return s.is_object() && s["restartCount"].get<int>() >= 1 &&
               s["lastState"].contains("terminated");
      },
      20s))
      << agent.agentLog();
  auto last = containerStatus(podJson(agent, "again"), "app")["lastState"]["terminated"];
  EXPECT_EQ(last["reason"], "OOMKilled") << last.dump();
  EXPECT_EQ(last["exitCode"], 137);
}

}  // namespace
}  // namespace podkeeper::e2e
