#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// activeDeadlineSeconds ends the pod as Failed, DeadlineExceeded, and it stays so.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

TEST(ActiveDeadline, PodPastItsDeadlineIsFailedItsContainerStoppedAndNotRestarted) {
  AgentHarness agent;
  agent.start();
  PodYaml pod;
  pod.grace = 1;
  std::string yaml = pod.str();
  yaml.insert(yaml.find("  terminationGracePeriodSeconds"), "  activeDeadlineSeconds: 3\n");
  agent.dropManifest("web.yaml", yaml);
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "web"), "app");
        return s.is_object() && s["state"].contains("running");
      },
      10s))
      << agent.agentLog();
  auto started = std::chrono::steady_clock::now();
  pid_t pid = initPid(agent.memoryCgroupDir(pod.cgroup()));
  ASSERT_GT(pid, 0);

  ASSERT_TRUE(waitFor([&] { return podJson(agent, "web")["status"]["phase"] == "Failed"; }, 10s))
      << agent.agentLog();
  EXPECT_GE(std::chrono::steady_clock::now() - started, 2s) << "failed before its deadline";
  auto status = podJson(agent, "web")["status"];
  EXPECT_EQ(status["reason"], "DeadlineExceeded");
  EXPECT_EQ(status["message"], "Pod was active on the node longer than the specified deadline");
  // sh as PID 1 ignores SIGTERM: gone once the 1 s grace period ends.
  ASSERT_TRUE(waitFor([&] { return !alive(pid); }, 3s));
  EXPECT_NE(agent.get("/pods/default/web/events").body.find("DeadlineExceeded"), std::string::npos);
  std::this_thread::sleep_for(2500ms);  // a relist and a resync: nothing restarts
  EXPECT_EQ(podJson(agent, "web")["status"]["phase"], "Failed");
  EXPECT_EQ(initPid(agent.memoryCgroupDir(pod.cgroup())), 0);
  EXPECT_FALSE(exists(agent.logFile("default", pod.name, pod.uid, pod.container, 1)));
  auto app = containerStatus(podJson(agent, "web"), "app");
  EXPECT_EQ(app["state"]["terminated"]["exitCode"], 137) << app.dump();
}

}  // namespace
}  // namespace podkeeper::e2e
