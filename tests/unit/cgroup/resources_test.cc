#include "runtime/cgroup/resources.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime::cgroup {
namespace {

TEST(CpuSharesFromMilli, ScalesMillicoresTo1024PerCpu) {
  EXPECT_EQ(cpuSharesFromMilli(1000), 1024u);
  EXPECT_EQ(cpuSharesFromMilli(250), 256u);
  EXPECT_EQ(cpuSharesFromMilli(100), 102u);  // truncates like the kubelet
}

TEST(CpuSharesFromMilli, AbsentRequestGivesTheBestEffortMinimumOfTwo) {
  EXPECT_EQ(cpuSharesFromMilli(0), 2u);
  EXPECT_EQ(cpuSharesFromMilli(-5), 2u);
}

TEST(CpuSharesFromMilli, ClampsTinyRequestsUpToTwo) {
  EXPECT_EQ(cpuSharesFromMilli(1), 2u);
  EXPECT_EQ(cpuSharesFromMilli(2), 2u);
  EXPECT_EQ(cpuSharesFromMilli(3), 3u);
}

TEST(CpuSharesFromMilli, ClampsHugeRequestsDownTo262144) {
  EXPECT_EQ(cpuSharesFromMilli(256000), 262144u);
  EXPECT_EQ(cpuSharesFromMilli(1'000'000), 262144u);
  EXPECT_EQ(cpuSharesFromMilli(INT64_MAX), 262144u);
}

TEST(CpuQuotaFromMilli, IsLimitTimesPeriodOverThousand) {
  EXPECT_EQ(cpuQuotaFromMilli(500), 50000);
  EXPECT_EQ(cpuQuotaFromMilli(2000), 200000);
  EXPECT_EQ(cpuQuotaFromMilli(250, 50000), 12500);
}

TEST(CpuQuotaFromMilli, NeverGoesBelow1000Us) {
  EXPECT_EQ(cpuQuotaFromMilli(1), 1000);
  EXPECT_EQ(cpuQuotaFromMilli(9), 1000);
  EXPECT_EQ(cpuQuotaFromMilli(11), 1100);
}

TEST(CpuQuotaFromMilli, NoLimitMeansNoQuota) {
  EXPECT_EQ(cpuQuotaFromMilli(0), std::nullopt);
  EXPECT_EQ(cpuQuotaFromMilli(-1), std::nullopt);
}

TEST(CpuWeightFromShares, MatchesRuncFormulaAtTheEdges) {
  EXPECT_EQ(cpuWeightFromShares(2), 1u);
  EXPECT_EQ(cpuWeightFromShares(1024), 39u);  // 1 + (1022*9999)/262142
  EXPECT_EQ(cpuWeightFromShares(262144), 10000u);
}

TEST(CpuWeightFromShares, ClampsOutOfRangeShares) {
  EXPECT_EQ(cpuWeightFromShares(0), 1u);
  EXPECT_EQ(cpuWeightFromShares(1), 1u);
  EXPECT_EQ(cpuWeightFromShares(1'000'000), 10000u);
}

TEST(CpuSharesFromWeight, InvertsTheWeightAtTheEdges) {
  EXPECT_EQ(cpuSharesFromWeight(1), 2u);
  EXPECT_EQ(cpuSharesFromWeight(10000), 262144u);
  EXPECT_EQ(cpuSharesFromWeight(100), 2597u);  // the default weight
}

TEST(CpuSharesFromWeight, RoundTripStaysWithinOneWeightStep) {
  for (uint64_t shares : {2u, 102u, 256u, 1024u, 4096u, 100000u}) {
    const uint64_t back = cpuSharesFromWeight(cpuWeightFromShares(shares));
    EXPECT_LE(back, shares);
    EXPECT_LT(shares - back, 27u) << shares;  // one weight step is ~26.2 shares
  }
}

TEST(CpuMaxValue, WritesQuotaAndPeriodOrMax) {
  EXPECT_EQ(cpuMaxValue(50000, 100000), "50000 100000");
  EXPECT_EQ(cpuMaxValue(std::nullopt, 100000), "max 100000");
}

TEST(MemoryMaxValue, WritesBytesOrMax) {
  EXPECT_EQ(memoryMaxValue(134217728), "134217728");
  EXPECT_EQ(memoryMaxValue(std::nullopt), "max");
}

TEST(V1LimitValue, WritesNumberOrMinusOne) {
  EXPECT_EQ(v1LimitValue(4096), "4096");
  EXPECT_EQ(v1LimitValue(std::nullopt), "-1");
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
