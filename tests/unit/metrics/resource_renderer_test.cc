#include "metrics/resource_renderer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "exposition_checker.h"
#include "sample_builders.h"

namespace podkeeper::metrics {
namespace {

using namespace testing::sample_names;

constexpr int64_t kTs = 1700000000123;

std::string render(bool withNode = true, bool scrapeError = false) {
  std::vector<TargetSample> samples = {
      {containerTarget("web", "app", "podkeeper/poduid-1/c1"), fullStats()},
      {podTarget("web", "podkeeper/poduid-1"), fullStats()}};
  std::optional<NodeUsage> node;
  if (withNode) node = NodeUsage{1234.5, 2e9};
  std::string out;
  renderResource(samples, node, kTs, scrapeError, out);
  return out;
}

TEST(ResourceRenderer, ContainerSeriesHaveContainerNamespacePodAndTimestamp) {
  const std::string out = render();
  EXPECT_THAT(out, HasSubstr("container_cpu_usage_seconds_total{container=\"app\","
                             "namespace=\"default\",pod=\"web\"} 2.5 1700000000123\n"));
  EXPECT_THAT(out, HasSubstr("container_memory_working_set_bytes{container=\"app\","
                             "namespace=\"default\",pod=\"web\"} 41943040 1700000000123\n"));
  EXPECT_THAT(out, HasSubstr("container_start_time_seconds{container=\"app\","
                             "namespace=\"default\",pod=\"web\"} 1700000000 1700000000123\n"));
}

TEST(ResourceRenderer, PodCgroupRowsBecomePodSeriesOnly) {
  const std::string out = render();
  EXPECT_THAT(out, HasSubstr("pod_cpu_usage_seconds_total{namespace=\"default\",pod=\"web\"} "
                             "2.5 1700000000123\n"));
  EXPECT_THAT(out, HasSubstr("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} "
                             "41943040 1700000000123\n"));
  EXPECT_THAT(out, Not(HasSubstr("container=\"\"")));
}

TEST(ResourceRenderer, NodeSeriesHaveNoLabels) {
  const std::string out = render();
  EXPECT_THAT(out, HasSubstr("\nnode_cpu_usage_seconds_total 1234.5 1700000000123\n"));
  EXPECT_THAT(out, HasSubstr("\nnode_memory_working_set_bytes 2000000000 1700000000123\n"));
  EXPECT_THAT(out, HasSubstr("\nresource_scrape_error 0\n"));
}

TEST(ResourceRenderer, MissingNodeUsageIsAScrapeError) {
  const std::string out = render(false);
  EXPECT_THAT(out, Not(HasSubstr("node_cpu_usage_seconds_total")));
  EXPECT_THAT(out, HasSubstr("\nresource_scrape_error 1\n"));
}

TEST(ResourceRenderer, HelpTextCarriesTheKubeletStabilityLevel) {
  EXPECT_THAT(render(), HasSubstr("# HELP pod_memory_working_set_bytes [STABLE] Current working "
                                  "set of the pod in bytes\n"));
}

TEST(ResourceRenderer, OutputFollowsExpositionRules) {
  EXPECT_THAT(testing::checkExposition(render()), IsEmpty());
}

}  // namespace
}  // namespace podkeeper::metrics
