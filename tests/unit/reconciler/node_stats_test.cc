#include "reconciler/node_stats.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/mock_cgroup_manager.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::reconciler {
namespace {

using ::testing::_;
using ::testing::Return;

constexpr int64_t kKi = 1024;

const char* kMeminfo =
    "MemTotal:       25165824 kB\n"
    "MemFree:        20971520 kB\n"
    "MemAvailable:   22000000 kB\n"
    "Inactive(file):   524288 kB\n";

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

TEST(NodeStats, MeminfoValuesAreBytes) {
  EXPECT_EQ(meminfoBytes(kMeminfo, "MemTotal"), 25165824 * kKi);
  EXPECT_EQ(meminfoBytes(kMeminfo, "MemFree"), 20971520 * kKi);
  EXPECT_FALSE(meminfoBytes(kMeminfo, "Mem"));
  EXPECT_FALSE(meminfoBytes(kMeminfo, "SwapTotal"));
}

TEST(NodeStats, MemoryAvailableOnV1IsCapacityMinusRootWorkingSet) {
  RootMemoryFiles f;
  f.meminfo = kMeminfo;
  f.usageInBytes = std::to_string(6LL << 30) + "\n";
  f.memoryStat = "cache 100\ntotal_inactive_file " + std::to_string(1LL << 30) + "\n";
  auto o = memoryAvailable(f);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->capacity, 24LL << 30);
  EXPECT_EQ(o->available, (24LL << 30) - (5LL << 30));
}

TEST(NodeStats, WorkingSetIsFlooredAtZero) {
  RootMemoryFiles f;
  f.meminfo = kMeminfo;
  f.usageInBytes = "100\n";
  f.memoryStat = "total_inactive_file 4096\n";
  auto o = memoryAvailable(f);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->available, o->capacity);
}

TEST(NodeStats, UnreadableUsageIsAnError) {
  RootMemoryFiles f;
  f.meminfo = kMeminfo;
  f.usageInBytes = "";
  EXPECT_FALSE(memoryAvailable(f));
  f.meminfo = "";
  EXPECT_FALSE(memoryAvailable(f));
}

TEST(NodeStats, PidsAvailableIsTheSmallerLimitMinusRunning) {
  auto o = pidAvailable("4194304\n", "190000\n", 1000);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->capacity, 190000);
  EXPECT_EQ(o->available, 189000);
  o = pidAvailable("32768\n", "", 100);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->capacity, 32768);
  EXPECT_FALSE(pidAvailable("lots", "", 1));
}

// The v2 layout on a fixture directory: the root's memory.stat and /proc/meminfo (the v2
// root has no memory.current), and the pod's figures from the driver.
TEST(NodeStats, LinuxSourceReadsTheV2RootFromFixtureFilesAndStatvfsOfTheDirectories) {
  support::TempDir dir("pk-node-stats");
  write(dir.file("cgroup/memory.stat"),
        "anon 1000\ninactive_file " + std::to_string(512LL << 20) + "\nactive_file 1\n");
  write(dir.file("proc/meminfo"), kMeminfo);
  write(dir.file("proc/sys/kernel/pid_max"), "32768\n");
  write(dir.file("proc/sys/kernel/threads-max"), "200000\n");
  std::filesystem::create_directories(dir.file("root"));
  std::filesystem::create_directories(dir.file("images"));
  support::MockCgroupManager cgroups;
  EXPECT_CALL(cgroups, mode()).WillRepeatedly(Return(runtime::cgroup::Mode::V2));
  LinuxNodeStats stats(
      cgroups, {dir.file("cgroup"), dir.file("proc"), dir.file("root"), dir.file("images")});
  auto o = stats.observe();
  ASSERT_TRUE(o.contains(Signal::MemoryAvailable));
  // usage = MemTotal - MemFree = 4 GiB, working set = 4 GiB - 512 MiB.
  EXPECT_EQ(o[Signal::MemoryAvailable].capacity, 24LL << 30);
  EXPECT_EQ(o[Signal::MemoryAvailable].available, (24LL << 30) - (4LL << 30) + (512LL << 20));
  ASSERT_TRUE(o.contains(Signal::NodeFsAvailable));
  EXPECT_GT(o[Signal::NodeFsAvailable].capacity, 0);
  EXPECT_LE(o[Signal::NodeFsAvailable].available, o[Signal::NodeFsAvailable].capacity);
  EXPECT_TRUE(o.contains(Signal::ImageFsAvailable));
  ASSERT_TRUE(o.contains(Signal::PidAvailable));
  EXPECT_EQ(o[Signal::PidAvailable].capacity, 32768);

  runtime::cgroup::Stats pod;
  pod.memory.usageBytes = 300 << 20;
  pod.memory.inactiveFileBytes = 100 << 20;
  pod.processes = 7;
  runtime::cgroup::Stats app;
  app.memory.usageBytes = 250 << 20;
  EXPECT_CALL(cgroups, stats("pk/burstable/podu")).WillOnce(Return(pod));
  EXPECT_CALL(cgroups, stats("pk/burstable/podu/app")).WillOnce(Return(app));
  PodUsageRequest r;
  r.candidate.containers.push_back({"app", std::nullopt, 0, std::nullopt, 0});
  r.podCgroup = "pk/burstable/podu";
  r.containerCgroups["app"] = "pk/burstable/podu/app";
  stats.measurePod(r, false);
  EXPECT_EQ(r.candidate.memoryWorkingSet, 200 << 20);
  EXPECT_EQ(r.candidate.processes, 7);
  EXPECT_EQ(r.candidate.containers[0].memoryWorkingSet, 250 << 20);
  EXPECT_FALSE(r.candidate.diskBytes) << "disk is walked only under disk pressure";
}

TEST(NodeStats, LinuxSourceReadsTheV1MemoryHierarchy) {
  support::TempDir dir("pk-node-stats");
  write(dir.file("cgroup/memory/memory.usage_in_bytes"), std::to_string(8LL << 30) + "\n");
  write(dir.file("cgroup/memory/memory.stat"),
        "total_inactive_file " + std::to_string(2LL << 30) + "\n");
  write(dir.file("proc/meminfo"), kMeminfo);
  support::MockCgroupManager cgroups;
  EXPECT_CALL(cgroups, mode()).WillRepeatedly(Return(runtime::cgroup::Mode::Hybrid));
  LinuxNodeStats stats(cgroups, {dir.file("cgroup"), dir.file("proc"), dir.path(), dir.path()});
  auto o = stats.observe();
  ASSERT_TRUE(o.contains(Signal::MemoryAvailable));
  EXPECT_EQ(o[Signal::MemoryAvailable].available, (24LL << 30) - (6LL << 30));
}

}  // namespace
}  // namespace podkeeper::reconciler
