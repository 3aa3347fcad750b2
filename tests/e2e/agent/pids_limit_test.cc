#include <gtest/gtest.h>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// --pod-pids-limit (the kubelet's podPidsLimit) reaches every pod's cgroup as pids.max.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

std::string podPidsMax(AgentHarness& agent, const std::vector<std::string>& flags) {
  agent.start(flags);
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  // A running container means its sandbox, pod cgroup limits included, is in place.
  EXPECT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, pod.name), pod.container);
        return s.is_object() && s["state"].contains("running");
      },
      20s))
      << agent.agentLog();
  return readFile(agent.cgroupDir("pids", pod.podCgroup()) + "/pids.max");
}

TEST(PodPidsLimit, FlagValueIsThePodCgroupsPidsMax) {
  AgentHarness agent;
  EXPECT_EQ(podPidsMax(agent, {"--pod-pids-limit", "64"}), "64\n");
}

TEST(PodPidsLimit, DefaultBoundsEveryPodAt4096) {
  AgentHarness agent;
  EXPECT_EQ(podPidsMax(agent, {}), "4096\n");
}

TEST(PodPidsLimit, MinusOneLeavesPodsUnlimited) {
  AgentHarness agent;
  EXPECT_EQ(podPidsMax(agent, {"--pod-pids-limit", "-1"}), "max\n");
}

}  // namespace
}  // namespace podkeeper::e2e
