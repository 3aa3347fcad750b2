// The exporter over real cgroups (this machine's hybrid mode) with real workloads: the
// numbers it reports must be the ones the kernel enforces. Needs root.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "metrics/exporter.h"
#include "real_cgroups.h"

namespace podkeeper::metrics {
namespace {

using testing::sampleValue;
using testing::WorkloadChild;
namespace cg = runtime::cgroup;
constexpr size_t kMiB = 1 << 20;

class RealNumbersTest : public testing::RealPodTest {
 protected:
  RealNumbersTest() : RealPodTest("team", "load") {}
};

TEST_F(RealNumbersTest, BusyContainerUnderHalfACpuShowsRateNearHalfAndThrottling) {
  cg::Resources r;
  r.cpuShares = 512;
  r.cpuQuotaUs = 50000;
  pod->addContainer("burn", "busybox", r, WorkloadChild::Kind::BurnCpu);
  const std::string usage = "container_cpu_usage_seconds_total{container=\"burn\"";
  const std::string throttled = "container_cpu_cfs_throttled_periods_total{container=\"burn\"";

  const std::string first = scrape();
  auto t0 = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const std::string second = scrape();
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  auto u0 = sampleValue(first, usage), u1 = sampleValue(second, usage);
  auto th0 = sampleValue(first, throttled), th1 = sampleValue(second, throttled);
  ASSERT_TRUE(u0 && u1 && th0 && th1) << second;
  const double rate = (*u1 - *u0) / elapsed;
  std::printf("cpu rate under a 0.5 CPU quota: %.3f; throttled periods %g -> %g\n", rate, *th0,
              *th1);
  EXPECT_NEAR(rate, 0.5, 0.1);
  EXPECT_GT(*th1, *th0);
  EXPECT_EQ(sampleValue(second, "container_spec_cpu_quota{container=\"burn\""), 50000);
}

TEST_F(RealNumbersTest, ContainerHolding40MiBShowsWorkingSetRssAndItsLimit) {
  cg::Resources r;
  r.memoryLimitBytes = 128 * kMiB;
  pod->addContainer("mem", "busybox", r, WorkloadChild::Kind::HoldMemory, 40 * kMiB);
  const std::string out = scrape();
  auto ws = sampleValue(out, "container_memory_working_set_bytes{container=\"mem\"");
  auto rss = sampleValue(out, "container_memory_rss{container=\"mem\"");
  auto limit = sampleValue(out, "container_spec_memory_limit_bytes{container=\"mem\"");
  ASSERT_TRUE(ws && rss && limit) << out;
  std::printf("40 MiB workload: working set %.1f MiB, rss %.1f MiB\n", *ws / kMiB, *rss / kMiB);
  EXPECT_NEAR(*ws / kMiB, 40, 4);
  EXPECT_NEAR(*rss / kMiB, 40, 4);
  EXPECT_EQ(*limit, 128.0 * kMiB);
  // The pod row is hierarchical: it includes the container.
  auto podWs = sampleValue(out, "container_memory_working_set_bytes{container=\"\"");
  ASSERT_TRUE(podWs);
  EXPECT_GE(*podWs, *ws);
}

TEST_F(RealNumbersTest, StoppedContainerIsGoneFromTheNextScrape) {
  pod->addContainer("brief", "busybox", cg::Resources{}, WorkloadChild::Kind::HoldMemory, kMiB);
  ASSERT_NE(scrape().find("container=\"brief\""), std::string::npos);
  pod->stopContainer("brief");
  const std::string after = scrape();
  EXPECT_EQ(after.find("container=\"brief\""), std::string::npos);
  EXPECT_NE(after.find("\ncontainer_scrape_error 0\n"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::metrics
