#include "reconciler/pod_resources.h"

#include <gtest/gtest.h>

#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1 << 20;

manifests::PodSpec spec(std::vector<manifests::Container> cs) {
  manifests::PodSpec s;
  s.containers = std::move(cs);
  return s;
}

TEST(QosClass, NothingSetIsBestEffort) {
  EXPECT_EQ(qosClass(spec({container("a"), container("b")})), QosClass::BestEffort);
}

TEST(QosClass, LimitsEqualToRequestsEverywhereIsGuaranteed) {
  EXPECT_EQ(qosClass(spec({container("a", 500, 500, 64 * kMi, 64 * kMi)})), QosClass::Guaranteed);
}

TEST(QosClass, LimitsWithoutRequestsAreGuaranteedBecauseRequestsDefaultToLimits) {
  EXPECT_EQ(qosClass(spec({container("a", std::nullopt, 500, std::nullopt, 64 * kMi)})),
            QosClass::Guaranteed);
}

TEST(QosClass, OneContainerWithoutLimitsMakesThePodBurstable) {
  EXPECT_EQ(qosClass(spec({container("a", 500, 500, 64 * kMi, 64 * kMi), container("b")})),
            QosClass::Burstable);
}

TEST(QosClass, RequestBelowLimitIsBurstable) {
  EXPECT_EQ(qosClass(spec({container("a", 100, 500, 64 * kMi, 64 * kMi)})), QosClass::Burstable);
}

TEST(PodCgroupPath, FollowsTheKubeletLayoutPerQosClass) {
  EXPECT_EQ(podCgroupPath("podkeeper", QosClass::Guaranteed, "u1"), "podkeeper/podu1");
  EXPECT_EQ(podCgroupPath("podkeeper", QosClass::Burstable, "u1"), "podkeeper/burstable/podu1");
  EXPECT_EQ(podCgroupPath("podkeeper", QosClass::BestEffort, "u1"), "podkeeper/besteffort/podu1");
}

TEST(ContainerResources, MapsRequestToSharesAndLimitToQuota) {
  auto r = containerResources(container("a", 250, 500, std::nullopt, 128 * kMi));
  EXPECT_EQ(r.cpuShares, 256u);
  EXPECT_EQ(r.cpuQuotaUs, 50000);
  EXPECT_EQ(r.cpuPeriodUs, 100000u);
  EXPECT_EQ(r.memoryLimitBytes, 128 * kMi);
}

TEST(ContainerResources, NoRequestGivesMinimumSharesAndNoLimits) {
  auto r = containerResources(container("a"));
  EXPECT_EQ(r.cpuShares, 2u);
  EXPECT_EQ(r.cpuQuotaUs, std::nullopt);
  EXPECT_EQ(r.memoryLimitBytes, std::nullopt);
}

TEST(PodResources, SumsContainersWhenAllHaveLimits) {
  auto r = podResources(
      spec({container("a", 100, 200, kMi, 10 * kMi), container("b", 300, 400, kMi, 20 * kMi)}));
  EXPECT_EQ(r.cpuShares, 409u);  // 400m requested
  EXPECT_EQ(r.cpuQuotaUs, 60000);
  EXPECT_EQ(r.memoryLimitBytes, 30 * kMi);
}

TEST(PodResources, NoPodLimitWhenOneContainerIsUnlimited) {
  auto r = podResources(spec({container("a", 100, 200, kMi, 10 * kMi), container("b", 300)}));
  EXPECT_EQ(r.cpuQuotaUs, std::nullopt);
  EXPECT_EQ(r.memoryLimitBytes, std::nullopt);
}

TEST(PodResources, LargerInitContainerLimitWins) {
  auto s = spec({container("a", 100, 100, kMi, 10 * kMi)});
  s.initContainers = {container("init", 100, 1000, kMi, 50 * kMi)};
  auto r = podResources(s);
  EXPECT_EQ(r.cpuQuotaUs, 100000);
  EXPECT_EQ(r.memoryLimitBytes, 50 * kMi);
}

TEST(PodResources, PodLevelValuesWinOverTheContainersAggregate) {
  auto s = spec({container("a", 100, 200, 8 * kMi, 16 * kMi), container("b")});
  s.resources = manifests::ResourceRequirements{};
  s.resources->requests.cpuMilli = 1000;
  s.resources->limits.cpuMilli = 1500;
  s.resources->limits.memoryBytes = 256 * kMi;
  auto r = podResources(s);
  EXPECT_EQ(r.cpuShares, 1024u);
  EXPECT_EQ(r.cpuQuotaUs, 150000);
  EXPECT_EQ(r.memoryLimitBytes, 256 * kMi);
  // Memory not set at pod level: the containers' aggregate (none: b has no limit).
  s.resources->limits.memoryBytes.reset();
  EXPECT_EQ(podResources(s).memoryLimitBytes, std::nullopt);
}

}  // namespace
}  // namespace podkeeper::reconciler
