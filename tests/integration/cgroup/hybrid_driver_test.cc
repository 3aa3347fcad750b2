// The hybrid driver on this machine's real hierarchies (root required).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/select/make_manager.h"
#include "test_support.h"
#include "tests/support/cgroup_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::Child;
using testing::dirExists;
using testing::readFileOrEmpty;

class HybridDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = makeCgroupManager(CgroupConfig{});
    ASSERT_TRUE(m.has_value()) << m.error().message;
    mgr_ = std::move(*m);
    ASSERT_EQ(mgr_->mode(), Mode::Hybrid);
    ASSERT_TRUE(mgr_->create(ctr_).has_value());
  }
  // Cleans up even when a test failed half-way, independently of the driver.

  std::string v1(const std::string& controller, const std::string& file = "") const {
    return "/sys/fs/cgroup/" + controller + "/" + ctr_ + (file.empty() ? "" : "/" + file);
  }
  std::string unified(const std::string& file = "") const {
    return "/sys/fs/cgroup/unified/" + ctr_ + (file.empty() ? "" : "/" + file);
  }

  const std::string root_ = testing::uniqueRoot("hybrid");
  const support::CgroupRootGuard rootGuard_{root_};
  const std::string ctr_ = root_ + "/pod/ctr";
  std::unique_ptr<CgroupManager> mgr_;
};

TEST_F(HybridDriverTest, CreateMakesThePathInEveryHierarchyAndTheUnifiedTree) {
  for (const char* c :
       {"cpu", "cpuacct", "memory", "pids", "freezer", "cpuset", "devices", "blkio", "systemd"}) {
    EXPECT_TRUE(dirExists(v1(c))) << c;
  }
  EXPECT_TRUE(dirExists(unified()));
  EXPECT_TRUE(mgr_->exists(ctr_));
}

TEST_F(HybridDriverTest, CreateCopiesCpusetFromTheParentSoProcessesCanJoin) {
  EXPECT_EQ(readFileOrEmpty(v1("cpuset", "cpuset.cpus")),
            readFileOrEmpty("/sys/fs/cgroup/cpuset/cpuset.cpus"));
  EXPECT_EQ(readFileOrEmpty(v1("cpuset", "cpuset.mems")),
            readFileOrEmpty("/sys/fs/cgroup/cpuset/cpuset.mems"));
}

TEST_F(HybridDriverTest, ApplyWritesCpuAndMemoryLimitsToTheV1Files) {
  Resources r;
  r.cpuShares = 512;
  r.cpuQuotaUs = 50000;
  r.cpuPeriodUs = 100000;
  r.memoryLimitBytes = 64 << 20;
  ASSERT_TRUE(mgr_->apply(ctr_, r).has_value());

  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.shares")), "512\n");
  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.cfs_quota_us")), "50000\n");
  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.cfs_period_us")), "100000\n");
  EXPECT_EQ(readFileOrEmpty(v1("memory", "memory.limit_in_bytes")), "67108864\n");
  auto s = mgr_->stats(ctr_);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->spec.cpuShares, 512u);
  EXPECT_EQ(s->spec.cpuQuotaUs, 50000);
  EXPECT_EQ(s->spec.memoryLimitBytes, 64u << 20);
}

TEST_F(HybridDriverTest, ApplyWithoutLimitsWritesUnlimitedAndStatsReportNone) {
  Resources limited;
  limited.cpuQuotaUs = 20000;
  limited.memoryLimitBytes = 32 << 20;
  ASSERT_TRUE(mgr_->apply(ctr_, limited).has_value());
  ASSERT_TRUE(mgr_->apply(ctr_, Resources{}).has_value());

  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.cfs_quota_us")), "-1\n");
  auto s = mgr_->stats(ctr_);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->spec.cpuQuotaUs, std::nullopt);
  EXPECT_EQ(s->spec.memoryLimitBytes, std::nullopt);
}

TEST_F(HybridDriverTest, ApplyWritesTheQuotaFirstWhenTheNewPeriodDoesNotFitTheOldQuota) {
  Resources half;
  half.cpuQuotaUs = 50000;  // 0.5 CPU for the pod and its container
  ASSERT_TRUE(mgr_->apply(root_ + "/pod", half).has_value());
  ASSERT_TRUE(mgr_->apply(ctr_, half).has_value());
  Resources sameRatioShorterPeriod;
  sameRatioShorterPeriod.cpuQuotaUs = 25000;
  sameRatioShorterPeriod.cpuPeriodUs = 50000;
  // Period first would mean 50000/50000 = 1 CPU under a 0.5 CPU parent: EINVAL.

  auto r = mgr_->apply(ctr_, sameRatioShorterPeriod);

  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.cfs_quota_us")), "25000\n");
  EXPECT_EQ(readFileOrEmpty(v1("cpu", "cpu.cfs_period_us")), "50000\n");
}

TEST_F(HybridDriverTest, AddProcessPlacesTheChildInV1AndInTheUnifiedTree) {
  Child child;
  ASSERT_TRUE(mgr_->addProcess(ctr_, child.pid()).has_value());

  auto pids = mgr_->pids(root_);  // recursive from the top
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(*pids, std::vector<pid_t>{child.pid()});
  EXPECT_EQ(readFileOrEmpty(unified("cgroup.procs")), std::to_string(child.pid()) + "\n");
  const auto lines = testing::procCgroupLines(child.pid());
  EXPECT_NE(std::find(lines.begin(), lines.end(), "0::/" + ctr_), lines.end());
  EXPECT_NE(std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.ends_with(":memory:/" + ctr_); }),
            lines.end());
}

TEST_F(HybridDriverTest, StatsReportCpuAndMemoryUsageOfTheChild) {
  Child child(/*burnMillis=*/200);
  ASSERT_TRUE(mgr_->addProcess(ctr_, child.pid()).has_value());
  child.releaseAndWaitBurnt();

  auto s = mgr_->stats(root_ + "/pod");  // hierarchical: the pod sees its container
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_GE(s->cpu.usageNs.value_or(0), 150'000'000u);
  EXPECT_GT(s->cpu.userNs.value_or(0) + s->cpu.systemNs.value_or(0), 0u);
  EXPECT_GT(s->memory.usageBytes.value_or(0), 0u);
  EXPECT_TRUE(s->memory.rssBytes.has_value());
  EXPECT_TRUE(s->cpu.periods.has_value());
  EXPECT_EQ(s->processes, 1u);
  EXPECT_EQ(s->threads, 1u);
}

TEST_F(HybridDriverTest, KillAllSigkillsEveryProcess) {
  Child child;
  ASSERT_TRUE(mgr_->addProcess(ctr_, child.pid()).has_value());

  auto killed = mgr_->killAll(root_);
  ASSERT_TRUE(killed.has_value()) << killed.error().message;

  const int status = child.reap();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_TRUE(mgr_->pids(root_)->empty());
}

TEST_F(HybridDriverTest, RemoveLeavesNoDirectoryInAnyHierarchy) {
  Child child;
  ASSERT_TRUE(mgr_->addProcess(ctr_, child.pid()).has_value());
  ASSERT_TRUE(mgr_->killAll(root_).has_value());

  auto removed = mgr_->remove(root_);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;

  for (const char* c : {"cpu", "cpuacct", "memory", "pids", "freezer", "cpuset", "devices", "blkio",
                        "systemd", "unified"}) {
    EXPECT_FALSE(dirExists("/sys/fs/cgroup/" + std::string(c) + "/" + root_)) << c;
  }
  EXPECT_FALSE(mgr_->exists(root_));
}

TEST_F(HybridDriverTest, RemoveFailsWithEbusyWhileAProcessRemains) {
  Child child;
  ASSERT_TRUE(mgr_->addProcess(ctr_, child.pid()).has_value());

  auto removed = mgr_->remove(ctr_);
  ASSERT_FALSE(removed.has_value());
  EXPECT_EQ(removed.error().code, EBUSY);
  EXPECT_NE(removed.error().message.find(ctr_), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
