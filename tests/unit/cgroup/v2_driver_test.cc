// The v2 driver against a fixture directory standing in for a cgroup2 mount.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>

#include "common/unique_fd.h"
#include "fixture_tree.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/select/make_manager.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::FakeSignaller;
using testing::FixtureTree;

class V2DriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write("cgroup.controllers", "cpuset cpu io memory hugetlb pids\n");
    tree_.write("cgroup.subtree_control", "\n");
    auto probe = [](const std::string&) -> Result<int64_t> { return CGROUP2_SUPER_MAGIC; };
    auto m = makeCgroupManager({tree_.root(), tree_.path("no-mountinfo")}, probe, signaller_);
    ASSERT_TRUE(m.has_value()) << m.error().message;
    mgr_ = std::move(*m);
    ASSERT_EQ(mgr_->mode(), Mode::V2);
  }
  // What the kernel puts in a new cgroup once cpu and memory are delegated to it.
  void kernelFiles(const std::string& dir) const {
    for (const char* f : {"cpu.weight", "cpu.max", "memory.max", "cgroup.procs"}) {
      tree_.write(dir + "/" + f, "");
    }
  }

  FixtureTree tree_;
  std::shared_ptr<FakeSignaller> signaller_ = std::make_shared<FakeSignaller>();
  std::unique_ptr<CgroupManager> mgr_;
};

TEST_F(V2DriverTest, CreateMakesEveryLevel) {
  ASSERT_TRUE(mgr_->create("pk/pod/ctr").has_value());
  EXPECT_TRUE(tree_.exists("pk/pod/ctr"));
  EXPECT_TRUE(mgr_->exists("pk/pod/ctr"));
  EXPECT_FALSE(mgr_->exists("pk/other"));
}

TEST_F(V2DriverTest, CreateDelegatesTheWantedControllersTheParentOffers) {
  ASSERT_TRUE(mgr_->create("pk").has_value());
  // hugetlb is offered but not wanted.
  EXPECT_EQ(tree_.read("cgroup.subtree_control"), "+cpu +cpuset +io +memory +pids");
}

TEST_F(V2DriverTest, CreateOnlyAddsControllersNotYetEnabled) {
  tree_.write("pk/cgroup.controllers", "cpu memory\n");
  tree_.write("pk/cgroup.subtree_control", "memory\n");
  tree_.write("cgroup.subtree_control", "cpuset cpu io memory pids\n");

  ASSERT_TRUE(mgr_->create("pk/pod").has_value());

  EXPECT_EQ(tree_.read("cgroup.subtree_control"), "cpuset cpu io memory pids\n");
  EXPECT_EQ(tree_.read("pk/cgroup.subtree_control"), "+cpu");
}

TEST_F(V2DriverTest, ApplyWritesThePidsLimitToPidsMax) {
  ASSERT_TRUE(mgr_->create("pk/pod").has_value());
  kernelFiles("pk/pod");
  tree_.write("pk/pod/pids.max", "");
  Resources r;
  r.pidsLimit = -1;

  ASSERT_TRUE(mgr_->apply("pk/pod", r).has_value());

  EXPECT_EQ(tree_.read("pk/pod/pids.max"), "max");
}

TEST_F(V2DriverTest, ApplyOfDeviceRulesOutsideACgroupFailsNamingTheDirectory) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  kernelFiles("pk/ctr");
  Resources r;
  r.devices = defaultDeviceRules();

  auto result = mgr_->apply("pk/ctr", r);

  ASSERT_FALSE(result.has_value());  // a fixture directory is no cgroup to attach to
  EXPECT_NE(result.error().message.find(tree_.path("pk/ctr")), std::string::npos)
      << result.error().message;
}

TEST_F(V2DriverTest, ApplyWritesWeightCpuMaxAndMemoryMax) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  kernelFiles("pk/ctr");
  Resources r;
  r.cpuShares = 1024;
  r.cpuQuotaUs = 50000;
  r.cpuPeriodUs = 100000;
  r.memoryLimitBytes = 128 << 20;

  ASSERT_TRUE(mgr_->apply("pk/ctr", r).has_value());

  EXPECT_EQ(tree_.read("pk/ctr/cpu.weight"), "39");
  EXPECT_EQ(tree_.read("pk/ctr/cpu.max"), "50000 100000");
  EXPECT_EQ(tree_.read("pk/ctr/memory.max"), "134217728");
}

TEST_F(V2DriverTest, ApplyWithoutLimitsWritesMaxAndLeavesTheWeight) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  kernelFiles("pk/ctr");
  tree_.write("pk/ctr/cpu.weight", "100\n");

  ASSERT_TRUE(mgr_->apply("pk/ctr", Resources{}).has_value());

  EXPECT_EQ(tree_.read("pk/ctr/cpu.weight"), "100\n");
  EXPECT_EQ(tree_.read("pk/ctr/cpu.max"), "max 100000");
  EXPECT_EQ(tree_.read("pk/ctr/memory.max"), "max");
}

TEST_F(V2DriverTest, ApplyWithoutTheControllerFailsNamingTheFileAndValue) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  auto r = mgr_->apply("pk/ctr", Resources{});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_NE(r.error().message.find(tree_.path("pk/ctr/cpu.max") + " \"max 100000\""),
            std::string::npos)
      << r.error().message;
}

TEST_F(V2DriverTest, AddProcessWritesThePidToCgroupProcs) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  kernelFiles("pk/ctr");
  ASSERT_TRUE(mgr_->addProcess("pk/ctr", 4242).has_value());
  EXPECT_EQ(tree_.read("pk/ctr/cgroup.procs"), "4242");
}

TEST_F(V2DriverTest, PidsAreCollectedFromTheWholeSubtree) {
  tree_.write("pk/cgroup.procs", "");
  tree_.write("pk/a/cgroup.procs", "10\n11\n");
  tree_.write("pk/b/cgroup.procs", "12\n");
  auto pids = mgr_->pids("pk");
  ASSERT_TRUE(pids.has_value()) << pids.error().message;
  std::sort(pids->begin(), pids->end());
  EXPECT_EQ(*pids, (std::vector<pid_t>{10, 11, 12}));
}

TEST_F(V2DriverTest, StatsReadEveryV2File) {
  tree_.write("pk/cgroup.procs", "10\n11\n");
  tree_.write("pk/cgroup.threads", "10\n11\n13\n");
  tree_.write("pk/ctr/cgroup.procs", "12\n");
  tree_.write("pk/ctr/cgroup.threads", "12\n");
  tree_.write("pk/cpu.stat",
              "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\n"
              "nr_periods 40\nnr_throttled 5\nthrottled_usec 7000\n");
  tree_.write("pk/memory.current", "1048576\n");
  tree_.write("pk/memory.peak", "2097152\n");
  tree_.write("pk/memory.stat", "anon 400000\nfile 600000\ninactive_file 100000\n");
  tree_.write("pk/memory.swap.current", "4096\n");
  tree_.write("pk/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  tree_.write("pk/memory.max", "134217728\n");
  tree_.write("pk/cpu.weight", "39\n");
  tree_.write("pk/cpu.max", "50000 100000\n");

  auto s = mgr_->stats("pk");
  ASSERT_TRUE(s.has_value()) << s.error().message;

  EXPECT_EQ(s->cpu.usageNs, 2'000'000u);
  EXPECT_EQ(s->cpu.userNs, 1'500'000u);
  EXPECT_EQ(s->cpu.systemNs, 500'000u);
  EXPECT_EQ(s->cpu.periods, 40u);
  EXPECT_EQ(s->cpu.throttledPeriods, 5u);
  EXPECT_EQ(s->cpu.throttledNs, 7'000'000u);
  EXPECT_EQ(s->memory.usageBytes, 1048576u);
  EXPECT_EQ(s->memory.maxUsageBytes, 2097152u);
  EXPECT_EQ(s->memory.rssBytes, 400000u);
  EXPECT_EQ(s->memory.cacheBytes, 600000u);
  EXPECT_EQ(s->memory.inactiveFileBytes, 100000u);
  EXPECT_EQ(s->memory.swapBytes, 4096u);
  EXPECT_EQ(s->memory.failcnt, 3u);
  EXPECT_EQ(s->memory.oomKills, 1u);
  EXPECT_EQ(s->spec.memoryLimitBytes, 134217728u);
  EXPECT_EQ(s->spec.cpuShares, 998u);  // weight 39 read back through the kubelet inverse
  EXPECT_EQ(s->spec.cpuQuotaUs, 50000);
  EXPECT_EQ(s->spec.cpuPeriodUs, 100000u);
  EXPECT_EQ(s->processes, 3u);
  EXPECT_EQ(s->threads, 4u);
}

TEST_F(V2DriverTest, StatsReportUnlimitedAsNoneAndAbsentFilesAsNone) {
  tree_.write("pk/cgroup.procs", "");
  tree_.write("pk/cgroup.threads", "");
  tree_.write("pk/memory.max", "max\n");
  tree_.write("pk/cpu.max", "max 100000\n");

  auto s = mgr_->stats("pk");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->spec.memoryLimitBytes, std::nullopt);
  EXPECT_EQ(s->spec.cpuQuotaUs, std::nullopt);
  EXPECT_EQ(s->spec.cpuPeriodUs, 100000u);
  EXPECT_EQ(s->memory.maxUsageBytes, std::nullopt);  // no memory.peak before 5.19
  EXPECT_EQ(s->cpu.usageNs, std::nullopt);
  EXPECT_EQ(s->processes, 0u);
}

TEST_F(V2DriverTest, StatsOfAMissingCgroupIsAnError) {
  auto s = mgr_->stats("pk/none");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ENOENT);
  EXPECT_NE(s.error().message.find(tree_.path("pk/none")), std::string::npos);
}

TEST_F(V2DriverTest, OpenForCloneIntoReturnsAnOPathDirectoryFdTheCallerOwns) {
  ASSERT_TRUE(mgr_->create("pk/ctr").has_value());
  auto fd = mgr_->openForCloneInto("pk/ctr");
  ASSERT_TRUE(fd.has_value() && fd->has_value());
  UniqueFd owned(**fd);

  EXPECT_TRUE(::fcntl(owned.get(), F_GETFL) & O_PATH);
  EXPECT_TRUE(::fcntl(owned.get(), F_GETFD) & FD_CLOEXEC);
  struct stat st {
  }, want{};
  ASSERT_EQ(::fstat(owned.get(), &st), 0);
  ASSERT_EQ(::stat(tree_.path("pk/ctr").c_str(), &want), 0);
  EXPECT_EQ(st.st_ino, want.st_ino);
}

TEST_F(V2DriverTest, KillAllWritesCgroupKillAndWaitsUntilTheTreeIsEmpty) {
  tree_.write("pk/cgroup.kill", "");
  tree_.write("pk/cgroup.procs", "11\n");
  tree_.write("pk/ctr/cgroup.procs", "12\n");
  int polls = 0;
  signaller_->onPause = [&] {  // the kernel empties the cgroups after a couple of polls
    if (++polls == 2) {
      tree_.write("pk/cgroup.procs", "");
      tree_.write("pk/ctr/cgroup.procs", "");
    }
  };

  ASSERT_TRUE(mgr_->killAll("pk").has_value());

  EXPECT_EQ(tree_.read("pk/cgroup.kill"), "1");
  EXPECT_TRUE(signaller_->kills.empty());
  EXPECT_EQ(signaller_->pauses, 2);
}

TEST_F(V2DriverTest, KillAllWithoutCgroupKillSigkillsEveryPidUntilEmpty) {
  tree_.write("pk/cgroup.procs", "11\n");
  tree_.write("pk/ctr/cgroup.procs", "12\n");
  signaller_->onKill = [&](pid_t pid) {
    tree_.write(pid == 11 ? "pk/cgroup.procs" : "pk/ctr/cgroup.procs", "");
  };

  ASSERT_TRUE(mgr_->killAll("pk").has_value());

  const std::vector<std::pair<pid_t, int>> want = {{11, SIGKILL}, {12, SIGKILL}};
  EXPECT_EQ(signaller_->kills, want);
}

TEST_F(V2DriverTest, KillAllGivesUpWithEbusyWhenProcessesNeverLeave) {
  tree_.write("pk/cgroup.procs", "11\n");

  auto r = mgr_->killAll("pk");

  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_NE(r.error().message.find("1 processes remain"), std::string::npos) << r.error().message;
  EXPECT_EQ(signaller_->pauses, kPollAttempts);
}

TEST_F(V2DriverTest, KillAllOfAMissingCgroupSucceeds) {
  EXPECT_TRUE(mgr_->killAll("pk/none").has_value());
}

TEST_F(V2DriverTest, RemoveOfAnEmptyTreeRemovesEveryLevel) {
  ASSERT_TRUE(mgr_->create("pk/pod/ctr").has_value());  // plain dirs, no files: rmdir works
  ASSERT_TRUE(mgr_->remove("pk").has_value());
  EXPECT_FALSE(tree_.exists("pk"));
  EXPECT_TRUE(mgr_->remove("pk").has_value());  // already gone
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
