#include "metrics/exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <cerrno>

#include "exposition_checker.h"
#include "metrics/agent_metrics.h"
#include "sample_builders.h"
#include "tests/support/mock_cgroup_manager.h"

namespace podkeeper::metrics {
namespace {

using support::MockCgroupManager;
using ::testing::_;
using namespace testing::sample_names;
using ::testing::Return;

class FakeTargets : public TargetSource {
 public:
  std::vector<ContainerTarget> targets() const override { return list; }
  std::vector<ContainerTarget> list;
};

class FakeNodeUsage : public NodeUsageReader {
 public:
  Result<NodeUsage> read() const override { return NodeUsage{10, 20}; }
};

class ExporterTest : public ::testing::Test {
 protected:
  ExporterTest()
      : exporter(targets, cgroups, MachineInfo{2, 1 << 30, "b", "m", "u"},
                 ExporterOptions{&node, [this] { return clock; }}) {
    EXPECT_CALL(cgroups, stats(_)).WillRepeatedly(Return(fullStats()));
  }
  std::string cadvisor() {
    std::string out;
    exporter.renderCadvisor(out);
    return out;
  }

  double clock = 1700000000.5;
  FakeTargets targets;
  ::testing::NiceMock<MockCgroupManager> cgroups;
  FakeNodeUsage node;
  Exporter exporter;
};

TEST_F(ExporterTest, ReadsEveryTargetCgroupAtScrapeTime) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1"), podTarget("web", "pk/pod1")};
  EXPECT_CALL(cgroups, stats("pk/pod1/c1")).WillOnce(Return(fullStats()));
  EXPECT_CALL(cgroups, stats("pk/pod1")).WillOnce(Return(fullStats()));
  const std::string out = cadvisor();
  EXPECT_THAT(out, HasSubstr("id=\"/pk/pod1/c1\""));
  EXPECT_THAT(out, HasSubstr("id=\"/pk/pod1\""));
}

TEST_F(ExporterTest, EveryScrapeReadsTheCgroupsAgain) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1")};
  auto later = fullStats();
  later.cpu.usageNs = 9000000000;
  EXPECT_CALL(cgroups, stats("pk/pod1/c1")).WillOnce(Return(fullStats())).WillOnce(Return(later));
  cadvisor();
  clock += 0.5;
  EXPECT_THAT(cadvisor(), HasSubstr("cpu=\"total\",id=\"/pk/pod1/c1\",image=\"busybox:1.36\","
                                    "name=\"c1\",namespace=\"default\",pod=\"web\"} 9\n"));
}

TEST_F(ExporterTest, StoppedContainerDisappearsFromTheNextScrape) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1"), podTarget("web", "pk/pod1")};
  ASSERT_THAT(cadvisor(), HasSubstr("container=\"app\""));
  targets.list = {podTarget("web", "pk/pod1")};
  EXPECT_THAT(cadvisor(), Not(HasSubstr("container=\"app\"")));
}

TEST_F(ExporterTest, CgroupRemovedDuringScrapeIsSkippedWithoutError) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1"), podTarget("web", "pk/pod1")};
  EXPECT_CALL(cgroups, stats("pk/pod1/c1"))
      .WillOnce(Return(std::unexpected(Error::sys(ENOENT, "open pk/pod1/c1/cpuacct.usage"))));
  const std::string out = cadvisor();
  EXPECT_THAT(out, Not(HasSubstr("container=\"app\"")));
  EXPECT_THAT(out, HasSubstr("\ncontainer_scrape_error 0\n"));
}

TEST_F(ExporterTest, UnreadableCgroupSetsScrapeError) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1")};
  EXPECT_CALL(cgroups, stats("pk/pod1/c1"))
      .WillOnce(Return(std::unexpected(Error::sys(EACCES, "open pk/pod1/c1/memory.stat"))));
  EXPECT_THAT(cadvisor(), HasSubstr("\ncontainer_scrape_error 1\n"));
}

TEST_F(ExporterTest, TwoTargetsOnOneCgroupRenderOneRow) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1"),
                  containerTarget("web", "app", "pk/pod1/c1")};
  EXPECT_THAT(testing::checkExposition(cadvisor()), IsEmpty());
}

TEST_F(ExporterTest, ResourceEndpointUsesTheClockInMilliseconds) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1")};
  std::string out;
  exporter.renderResource(out);
  EXPECT_THAT(out, HasSubstr("node_cpu_usage_seconds_total 10 1700000000500\n"));
  EXPECT_THAT(out, HasSubstr("pod=\"web\"} 2.5 1700000000500\n"));
}

TEST_F(ExporterTest, AgentEndpointHasAgentAndContainerFamiliesOnce) {
  targets.list = {containerTarget("web", "app", "pk/pod1/c1"), podTarget("web", "pk/pod1")};
  prometheus::Registry registry;
  AgentMetrics agent(registry);
  agent.observeReconcile(0.002);
  std::string out;
  exporter.renderAgent({&registry}, out);
  EXPECT_THAT(out, HasSubstr("podkeeper_build_info{"));
  EXPECT_THAT(out, HasSubstr("podkeeper_reconcile_duration_seconds_count 1\n"));
  EXPECT_THAT(out, HasSubstr("container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\""));
  EXPECT_THAT(testing::checkExposition(out), IsEmpty());
}

TEST(KeptFdBudget, LeavesAReserveOfAQuarterOrAtLeast512) {
  EXPECT_EQ(keptFdBudget(20000), 15000u);
  EXPECT_EQ(keptFdBudget(1024), 512u);
  EXPECT_EQ(keptFdBudget(512), 0u);
  EXPECT_EQ(keptFdBudget(100), 0u);
}

}  // namespace
}  // namespace podkeeper::metrics
