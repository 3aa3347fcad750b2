// The exporter keeps cgroup files open between scrapes: against real cgroups, values change
// through the kept fds, a removed and recreated cgroup is read afresh, and a stopped
// container's fds close with its series. Needs root.
#include <gtest/gtest.h>

#include <filesystem>

#include "metrics/exporter.h"
#include "real_cgroups.h"
#include "runtime/cgroup/stat_file_cache.h"

namespace podkeeper::metrics {
namespace {

using testing::sampleValue;
using testing::WorkloadChild;
namespace cg = runtime::cgroup;
namespace fs = std::filesystem;
constexpr size_t kMiB = 1 << 20;

// Open fds of this process whose target contains `part` ("" = all of them).
size_t openFds(const std::string& part = "") {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = fs::read_symlink(e.path(), ec).string();
    if (!ec && target.find(part) != std::string::npos) ++n;
  }
  return n;
}

class KeptFdsTest : public testing::RealPodTest {
 protected:
  KeptFdsTest() : RealPodTest("team", "kept", keptFdsOptions()) {}
  static ExporterOptions keptFdsOptions() {
    ExporterOptions o;
    o.keptFds = 1000;
    return o;
  }
  static std::string series(const std::string& family, const std::string& container) {
    return family + "{container=\"" + container + "\"";
  }
};

TEST_F(KeptFdsTest, ValuesChangeThroughTheKeptFdsFromOneScrapeToTheNext) {
  cg::Resources r;
  r.memoryLimitBytes = 64 * kMiB;
  pod->addContainer("app", "busybox", r, WorkloadChild::Kind::BurnCpu);
  const std::string limit = series("container_spec_memory_limit_bytes", "app");
  const std::string usage = series("container_cpu_usage_seconds_total", "app");
  const std::string procs = series("container_processes", "app");
  const std::string first = scrape();
  const size_t fdsAfterFirst = openFds("/sys/fs/cgroup/");
  ASSERT_GT(exporter->keptFdsOpen(), 0u);

  r.memoryLimitBytes = 96 * kMiB;
  ASSERT_TRUE(cgroups->apply(pod->podCgroup() + "/app", r));
  // A second process at once: v1 "tasks" read through a kept fd would show the old list for
  // a second; the count must not lag.
  WorkloadChild second(WorkloadChild::Kind::HoldMemory, kMiB);
  ASSERT_TRUE(cgroups->addProcess(pod->podCgroup() + "/app", second.pid()));
  second.release();
  const std::string next = scrape();

  EXPECT_EQ(sampleValue(first, limit), 64.0 * kMiB);
  EXPECT_EQ(sampleValue(next, limit), 96.0 * kMiB);
  EXPECT_GT(sampleValue(next, usage).value_or(0), sampleValue(first, usage).value_or(0));
  EXPECT_EQ(sampleValue(first, procs), 1);
  EXPECT_EQ(sampleValue(next, procs), 2);
  EXPECT_EQ(openFds("/sys/fs/cgroup/"), fdsAfterFirst);  // read again, not reopened
  second.kill();
}

TEST_F(KeptFdsTest, ACgroupRemovedAndRecreatedAtTheSamePathReadsTheNewValues) {
  cg::Resources r;
  r.memoryLimitBytes = 64 * kMiB;
  pod->addContainer("app", "busybox", r, WorkloadChild::Kind::HoldMemory, kMiB);
  const std::string limit = series("container_spec_memory_limit_bytes", "app");
  ASSERT_EQ(sampleValue(scrape(), limit), 64.0 * kMiB);

  pod->stopContainer("app");  // a restart: the cgroup goes and comes back at the same path
  r.memoryLimitBytes = 32 * kMiB;
  pod->addContainer("app", "busybox", r, WorkloadChild::Kind::HoldMemory, kMiB);
  const std::string out = scrape();

  EXPECT_EQ(sampleValue(out, limit), 32.0 * kMiB);
  EXPECT_EQ(sampleValue(out, series("container_processes", "app")), 1);
  EXPECT_NE(out.find("\ncontainer_scrape_error 0\n"), std::string::npos);
}

TEST_F(KeptFdsTest, AStoppedContainerLeavesTheNextScrapeWithAllItsFdsClosed) {
  scrape();
  const size_t podOnly = openFds();
  pod->addContainer("brief", "busybox", cg::Resources{}, WorkloadChild::Kind::HoldMemory, kMiB);
  const std::string during = scrape();
  ASSERT_NE(during.find("container=\"brief\""), std::string::npos);
  ASSERT_GT(openFds(pod->podCgroup() + "/brief"), 0u);

  pod->stopContainer("brief");
  const std::string after = scrape();

  EXPECT_EQ(after.find("container=\"brief\""), std::string::npos);
  EXPECT_EQ(openFds(pod->podCgroup() + "/brief"), 0u);
  EXPECT_EQ(openFds(), podOnly);
}

// The kernel behaviour the cache relies on: a kept fd of a removed cgroup fails with ENODEV
// (never reads another cgroup), and the cache closes that directory's fds at once.
TEST_F(KeptFdsTest, AReadThroughAKeptFdOfARemovedCgroupFailsAndClosesItsFds) {
  pod->addContainer("gone", "busybox", cg::Resources{}, WorkloadChild::Kind::HoldMemory, kMiB);
  const std::string dir = "/sys/fs/cgroup/memory/" + pod->podCgroup() + "/gone";
  ASSERT_TRUE(fs::is_directory(dir));
  cg::StatFileCache cache(100);
  std::string buf;
  auto d = cache.dir(dir);
  ASSERT_TRUE(d.has_value()) << d.error().message;
  ASSERT_TRUE((*d)->tryRead("memory.limit_in_bytes", buf).has_value());
  ASSERT_EQ(cache.openFds(), 2u);

  pod->stopContainer("gone");

  EXPECT_FALSE((*d)->tryRead("memory.limit_in_bytes", buf).has_value());
  EXPECT_TRUE((*d)->gone());
  EXPECT_EQ(cache.openFds(), 0u);
  EXPECT_EQ(openFds("/gone"), 0u);
}

}  // namespace
}  // namespace podkeeper::metrics
