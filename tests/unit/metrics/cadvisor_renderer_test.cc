#include "metrics/cadvisor_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "exposition_checker.h"
#include "sample_builders.h"

namespace podkeeper::metrics {
namespace {

using namespace testing::sample_names;

constexpr double kNow = 1700000123.75;
const MachineInfo kMachine{2, 24ull << 30, "boot-1", "machine-1", ""};

constexpr const char* kAppLabels =
    "{container=\"app\",id=\"/podkeeper/burstable/poduid-1/c1\",image=\"busybox:1.36\","
    "name=\"c1\",namespace=\"default\",pod=\"web\"}";
constexpr const char* kPodLabels =
    "{container=\"\",id=\"/podkeeper/burstable/poduid-1\",image=\"\",name=\"\","
    "namespace=\"default\",pod=\"web\"}";

std::string render(const std::vector<TargetSample>& samples, bool scrapeError = false) {
  std::string out;
  CadvisorRenderer().render(samples, kMachine, kNow, scrapeError, out);
  return out;
}

std::vector<TargetSample> appAndPod() {
  return {{containerTarget("web", "app", "podkeeper/burstable/poduid-1/c1"), fullStats()},
          {podTarget("web", "podkeeper/burstable/poduid-1"), fullStats()}};
}

TEST(CadvisorRenderer, ContainerRowCarriesTheSixLabels) {
  EXPECT_THAT(render(appAndPod()),
              HasSubstr(std::string("container_memory_usage_bytes") + kAppLabels + " 52428800\n"));
}

TEST(CadvisorRenderer, PodRowWritesEmptyContainerImageAndNameLabels) {
  EXPECT_THAT(render(appAndPod()),
              HasSubstr(std::string("container_memory_rss") + kPodLabels + " 39845888\n"));
}

TEST(CadvisorRenderer, CpuUsageCarriesCpuTotalAfterContainer) {
  EXPECT_THAT(render(appAndPod()),
              HasSubstr("container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\","
                        "id=\"/podkeeper/burstable/poduid-1/c1\",image=\"busybox:1.36\","
                        "name=\"c1\",namespace=\"default\",pod=\"web\"} 2.5\n"));
}

TEST(CadvisorRenderer, CfsFamiliesAppearOnlyForCgroupsWithAQuota) {
  auto noQuota = fullStats();
  noQuota.spec.cpuQuotaUs.reset();
  std::vector<TargetSample> samples = {
      {containerTarget("web", "app", "podkeeper/burstable/poduid-1/c1"), fullStats()},
      {containerTarget("web", "side", "podkeeper/burstable/poduid-1/c2"), noQuota}};
  const std::string out = render(samples);
  EXPECT_THAT(out, HasSubstr("container_cpu_cfs_throttled_periods_total{container=\"app\""));
  EXPECT_THAT(out, Not(HasSubstr("container_cpu_cfs_periods_total{container=\"side\"")));
  EXPECT_THAT(out, Not(HasSubstr("container_cpu_cfs_throttled_seconds_total{container=\"side\"")));
  EXPECT_THAT(out, Not(HasSubstr("container_spec_cpu_quota{container=\"side\"")));
  EXPECT_THAT(out, HasSubstr("container_spec_cpu_period{container=\"side\""));
}

TEST(CadvisorRenderer, NoCfsFamilyHeaderWithoutAnyQuota) {
  auto noQuota = fullStats();
  noQuota.spec.cpuQuotaUs.reset();
  const std::string out = render({{containerTarget("web", "app", "a/b"), noQuota}});
  EXPECT_THAT(out, Not(HasSubstr("container_cpu_cfs")));
}

TEST(CadvisorRenderer, ThrottledTimeIsInSeconds) {
  EXPECT_THAT(
      render(appAndPod()),
      HasSubstr(std::string("container_cpu_cfs_throttled_seconds_total") + kAppLabels + " 0.3\n"));
}

TEST(CadvisorRenderer, WorkingSetIsUsageMinusInactiveFile) {
  EXPECT_THAT(render(appAndPod()), HasSubstr(std::string("container_memory_working_set_bytes") +
                                             kAppLabels + " 41943040\n"));
}

TEST(CadvisorRenderer, WorkingSetFloorsAtZero) {
  auto s = fullStats();
  s.memory.usageBytes = 1000;
  s.memory.inactiveFileBytes = 5000;
  EXPECT_THAT(render({{containerTarget("web", "app", "podkeeper/burstable/poduid-1/c1"), s}}),
              HasSubstr(std::string("container_memory_working_set_bytes") + kAppLabels + " 0\n"));
}

TEST(CadvisorRenderer, UnlimitedMemoryLimitIsReportedAsZero) {
  auto s = fullStats();
  s.spec.memoryLimitBytes = 9223372036854771712ull;
  EXPECT_THAT(render({{containerTarget("web", "app", "podkeeper/burstable/poduid-1/c1"), s}}),
              HasSubstr(std::string("container_spec_memory_limit_bytes") + kAppLabels + " 0\n"));
}

TEST(CadvisorRenderer, MemoryLimitIsReportedInBytes) {
  EXPECT_THAT(render(appAndPod()), HasSubstr(std::string("container_spec_memory_limit_bytes") +
                                             kAppLabels + " 67108864\n"));
}

TEST(CadvisorRenderer, UnknownValueOmitsOnlyThatSample) {
  auto s = fullStats();
  s.memory.swapBytes.reset();
  const std::string out = render({{containerTarget("web", "app", "a/c1"), s}});
  EXPECT_THAT(out, Not(HasSubstr("container_memory_swap")));
  EXPECT_THAT(out, HasSubstr("container_memory_rss{"));
}

TEST(CadvisorRenderer, StartTimeAndLastSeenAreEpochSeconds) {
  const std::string out = render(appAndPod());
  EXPECT_THAT(
      out, HasSubstr(std::string("container_start_time_seconds") + kAppLabels + " 1700000000\n"));
  EXPECT_THAT(out, HasSubstr(std::string("container_last_seen") + kAppLabels + " 1700000123\n"));
}

TEST(CadvisorRenderer, MachineFamiliesCarryMachineLabels) {
  const std::string out = render({});
  EXPECT_THAT(out, HasSubstr("machine_cpu_cores{boot_id=\"boot-1\",machine_id=\"machine-1\","
                             "system_uuid=\"\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("machine_memory_bytes{boot_id=\"boot-1\",machine_id=\"machine-1\","
                             "system_uuid=\"\"} 25769803776\n"));
}

TEST(CadvisorRenderer, ScrapeErrorIsReported) {
  EXPECT_THAT(render({}, true), HasSubstr("\ncontainer_scrape_error 1\n"));
  EXPECT_THAT(render({}, false), HasSubstr("\ncontainer_scrape_error 0\n"));
}

TEST(CadvisorRenderer, LabelValuesAreEscaped) {
  auto t = containerTarget("web", "app", "a/c1");
  t.image = "reg\"istry\\x";
  EXPECT_THAT(render({{t, fullStats()}}), HasSubstr("image=\"reg\\\"istry\\\\x\""));
}

TEST(CadvisorRenderer, OutputFollowsExpositionRules) {
  auto samples = appAndPod();
  samples.push_back({containerTarget("db", "pg", "podkeeper/pod2/c9"), fullStats()});
  samples.push_back({podTarget("db", "podkeeper/pod2"), fullStats()});
  EXPECT_THAT(testing::checkExposition(render(samples)), IsEmpty());
}

TEST(CadvisorRenderer, RowsAreSortedByContainerThenId) {
  std::vector<TargetSample> samples = {{containerTarget("web", "b", "p/2"), fullStats()},
                                       {containerTarget("web", "a", "p/3"), fullStats()},
                                       {podTarget("web", "p"), fullStats()}};
  const std::string out = render(samples);
  const auto pod = out.find("container_processes{container=\"\"");
  const auto a = out.find("container_processes{container=\"a\"");
  const auto b = out.find("container_processes{container=\"b\"");
  EXPECT_LT(pod, a);
  EXPECT_LT(a, b);
}

TEST(CadvisorRenderer, ReusedRendererRendersTheSameText) {
  CadvisorRenderer r;
  std::string first, second;
  r.render(appAndPod(), kMachine, kNow, false, first);
  r.render(appAndPod(), kMachine, kNow, false, second);
  EXPECT_EQ(first, second);
}

}  // namespace
}  // namespace podkeeper::metrics
