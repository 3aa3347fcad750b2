#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

// The value of the first sample of family whose labels contain every given fragment.
std::optional<double> sample(const std::string& body, const std::string& family,
                             const std::vector<std::string>& labels) {
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
    if (!all) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

class Metrics : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }
  std::string scrape() { return agent.getTcp("/metrics/cadvisor").body; }
  AgentHarness agent;
};

TEST_F(Metrics, RunningContainerAndItsPodHaveUsageSeriesWithTheSixLabels) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  std::string body;
  ASSERT_TRUE(waitFor(
      [&] {
        body = scrape();
        return sample(body, "container_memory_working_set_bytes", {"container=\"app\""})
            .has_value();
      },
      10s))
      << body;
  std::string id = "id=\"/" + agent.cgroupRoot() + "/" + pod.cgroup() + "\"";
  std::vector<std::string> labels = {"container=\"app\"", id, "image=\"busybox\"",
                                     "namespace=\"default\"", "pod=\"web\""};
  auto cpuLabels = labels;
  cpuLabels.push_back("cpu=\"total\"");
  EXPECT_TRUE(sample(body, "container_cpu_usage_seconds_total", cpuLabels)) << body;
  EXPECT_GT(*sample(body, "container_memory_usage_bytes", labels), 0);
  EXPECT_GT(*sample(body, "container_memory_working_set_bytes", labels), 0);
  EXPECT_EQ(*sample(body, "container_spec_memory_limit_bytes", labels), 64 << 20);
  std::string podId = "id=\"/" + agent.cgroupRoot() + "/" + pod.podCgroup() + "\"";
  EXPECT_TRUE(sample(body, "container_memory_working_set_bytes",
                     {"container=\"\"", podId, "image=\"\"", "pod=\"web\""}))
      << body;
}

TEST_F(Metrics, CpuBurnerUnderHalfACpuShowsUsageRateNearHalfAndThrottling) {
  PodYaml pod;
  pod.cpuRequest = "500m";
  pod.cpuLimit = "500m";
  // Two busy loops ask for two CPUs, so the 0.5 CPU quota binds even on a busy machine.
  pod.script = "while :; do :; done & while :; do :; done";
  agent.dropManifest("web.yaml", pod.str());
  std::vector<std::string> labels = {"container=\"app\"", "pod=\"web\""};
  ASSERT_TRUE(waitFor(
      [&] { return sample(scrape(), "container_cpu_usage_seconds_total", labels).has_value(); },
      10s))
      << agent.agentLog();
  std::this_thread::sleep_for(1s);  // past the start-up
  auto b1 = scrape();
  auto t1 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(4s);
  auto b2 = scrape();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  double rate = (*sample(b2, "container_cpu_usage_seconds_total", labels) -
                 *sample(b1, "container_cpu_usage_seconds_total", labels)) /
                secs;
  EXPECT_GT(rate, 0.35);
  EXPECT_LT(rate, 0.6);
  auto throttled1 = sample(b1, "container_cpu_cfs_throttled_periods_total", labels);
  auto throttled2 = sample(b2, "container_cpu_cfs_throttled_periods_total", labels);
  ASSERT_TRUE(throttled1 && throttled2) << b2;
  EXPECT_GT(*throttled2, *throttled1);
  EXPECT_EQ(*sample(b2, "container_spec_cpu_quota", labels), 50000);
}

TEST_F(Metrics, ContainerHoldingFortyMebibytesShowsItInWorkingSetAndRss) {
  PodYaml pod;
  pod.memoryLimit = "128Mi";
  // A shell variable of 40 MiB lives in the shell's anonymous memory.
  pod.script = "x=$(head -c 41943040 /dev/zero | tr '\\0' a); echo held; sleep 3600";
  agent.dropManifest("web.yaml", pod.str());
  std::vector<std::string> labels = {"container=\"app\"", "pod=\"web\""};
  std::string body;
  ASSERT_TRUE(waitFor(
      [&] {
        body = scrape();
        auto rss = sample(body, "container_memory_rss", labels);
        return rss && *rss > 38.0 * (1 << 20);
      },
      30s))
      << body;
  EXPECT_GT(*sample(body, "container_memory_working_set_bytes", labels), 38.0 * (1 << 20));
  EXPECT_LT(*sample(body, "container_memory_working_set_bytes", labels), 128.0 * (1 << 20));
  EXPECT_EQ(*sample(body, "container_spec_memory_limit_bytes", labels), 128 << 20);
}

TEST_F(Metrics, DeletedPodDisappearsFromTheNextScrape) {
  PodYaml pod;
  pod.grace = 1;
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return scrape().find("pod=\"web\"") != std::string::npos; }, 10s));
  agent.removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return !exists(agent.stateDir() + "/pods/" + pod.uid); }, 10s));
  EXPECT_EQ(scrape().find("pod=\"web\""), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::e2e
