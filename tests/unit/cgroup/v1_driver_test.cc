// The v1 and hybrid drivers against fixture directories standing in for the hierarchies.
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <signal.h>
#include <unistd.h>

#include "fixture_tree.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/select/make_manager.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::FakeSignaller;
using testing::FixtureTree;
using testing::mountLine;

class V1DriverTest : public ::testing::Test {
 protected:
  // Mounts one hierarchy per entry of `hierarchies` ("cpu", "cpu,cpuacct", "name=systemd"),
  // in a directory of that name, plus a cgroup2 "unified" mount when hybrid.
  std::unique_ptr<CgroupManager> build(const std::vector<std::string>& hierarchies,
                                       bool hybrid = false) {
    std::string mountinfo = mountLine(tree_.root(), "tmpfs", "rw");
    for (const std::string& h : hierarchies) {
      tree_.mkdirs(h);
      mountinfo += mountLine(tree_.path(h), "cgroup", "rw," + h);
    }
    if (hybrid) {
      tree_.mkdirs("unified");
      mountinfo += mountLine(tree_.path("unified"), "cgroup2", "rw");
    }
    tree_.write("mountinfo", mountinfo);
    auto probe = [](const std::string&) -> Result<int64_t> { return TMPFS_MAGIC; };
    auto m = makeCgroupManager({tree_.root(), tree_.path("mountinfo")}, probe, signaller_);
    if (!m) ADD_FAILURE() << m.error().message;
    return m ? std::move(*m) : nullptr;
  }
  std::unique_ptr<CgroupManager> buildStandard() {
    return build({"cpu", "cpuacct", "memory", "pids", "freezer"});
  }

  FixtureTree tree_;
  std::shared_ptr<FakeSignaller> signaller_ = std::make_shared<FakeSignaller>();
};

TEST_F(V1DriverTest, CreateMakesThePathInEveryUsedHierarchy) {
  auto mgr = build({"cpu", "cpuacct", "memory", "pids", "freezer", "devices", "blkio",
                    "name=systemd", "perf_event"});
  ASSERT_EQ(mgr->mode(), Mode::V1);
  ASSERT_TRUE(mgr->create("pk/pod/ctr").has_value());
  for (const char* h :
       {"cpu", "cpuacct", "memory", "pids", "freezer", "devices", "blkio", "name=systemd"}) {
    EXPECT_TRUE(tree_.exists(std::string(h) + "/pk/pod/ctr")) << h;
  }
  EXPECT_FALSE(tree_.exists("perf_event/pk"));  // not a hierarchy the agent uses
  EXPECT_TRUE(mgr->exists("pk/pod/ctr"));
}

TEST_F(V1DriverTest, CreateCopiesCpusetCpusAndMemsFromTheParentAtEveryLevel) {
  auto mgr = build({"cpu", "cpuacct", "memory", "cpuset"});
  tree_.write("cpuset/cpuset.cpus", "0-3\n");
  tree_.write("cpuset/cpuset.mems", "0\n");
  for (const char* level : {"cpuset/pk", "cpuset/pk/ctr"}) {  // as the kernel creates them
    tree_.write(std::string(level) + "/cpuset.cpus", "\n");
    tree_.write(std::string(level) + "/cpuset.mems", "\n");
  }

  ASSERT_TRUE(mgr->create("pk/ctr").has_value());

  EXPECT_EQ(tree_.read("cpuset/pk/cpuset.cpus"), "0-3\n");
  EXPECT_EQ(tree_.read("cpuset/pk/ctr/cpuset.cpus"), "0-3\n");
  EXPECT_EQ(tree_.read("cpuset/pk/ctr/cpuset.mems"), "0\n");
}

TEST_F(V1DriverTest, CreateKeepsACpusetThatIsAlreadySet) {
  auto mgr = build({"cpu", "cpuacct", "memory", "cpuset"});
  tree_.write("cpuset/cpuset.cpus", "0-3\n");
  tree_.write("cpuset/cpuset.mems", "0\n");
  tree_.write("cpuset/pk/cpuset.cpus", "1\n");
  tree_.write("cpuset/pk/cpuset.mems", "0\n");

  ASSERT_TRUE(mgr->create("pk").has_value());

  EXPECT_EQ(tree_.read("cpuset/pk/cpuset.cpus"), "1\n");
}

TEST_F(V1DriverTest, ApplyWritesSharesQuotaPeriodAndMemoryLimit) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f : {"cpu/pk/cpu.shares", "cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us",
                        "memory/pk/memory.limit_in_bytes"}) {
    tree_.write(f, "");
  }
  Resources r;
  r.cpuShares = 512;
  r.cpuQuotaUs = 25000;
  r.cpuPeriodUs = 50000;
  r.memoryLimitBytes = 1048576;

  ASSERT_TRUE(mgr->apply("pk", r).has_value());

  EXPECT_EQ(tree_.read("cpu/pk/cpu.shares"), "512");
  EXPECT_EQ(tree_.read("cpu/pk/cpu.cfs_quota_us"), "25000");
  EXPECT_EQ(tree_.read("cpu/pk/cpu.cfs_period_us"), "50000");
  EXPECT_EQ(tree_.read("memory/pk/memory.limit_in_bytes"), "1048576");
}

TEST_F(V1DriverTest, ApplyWithoutLimitsWritesMinusOne) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f :
       {"cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us", "memory/pk/memory.limit_in_bytes"}) {
    tree_.write(f, "");
  }

  ASSERT_TRUE(mgr->apply("pk", Resources{}).has_value());

  EXPECT_EQ(tree_.read("cpu/pk/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(tree_.read("cpu/pk/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(tree_.read("memory/pk/memory.limit_in_bytes"), "-1");
  EXPECT_FALSE(tree_.exists("cpu/pk/cpu.shares"));  // shares unset: left alone
}

TEST_F(V1DriverTest, ApplyFailureNamesTheFileAndTheValue) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  tree_.write("cpu/pk/cpu.cfs_quota_us", "");
  tree_.write("cpu/pk/cpu.cfs_period_us", "");
  tree_.mkdirs("memory/pk/memory.limit_in_bytes");  // a write to it fails with EISDIR
  Resources r;
  r.memoryLimitBytes = 4096;

  auto result = mgr->apply("pk", r);

  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, EISDIR);
  EXPECT_NE(
      result.error().message.find(tree_.path("memory/pk/memory.limit_in_bytes") + " \"4096\""),
      std::string::npos)
      << result.error().message;
}

TEST_F(V1DriverTest, ApplyWritesThePidsLimitToPidsMax) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f : {"cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us",
                        "memory/pk/memory.limit_in_bytes", "pids/pk/pids.max"}) {
    tree_.write(f, "");
  }
  Resources r;
  r.pidsLimit = 4096;

  ASSERT_TRUE(mgr->apply("pk", r).has_value());

  EXPECT_EQ(tree_.read("pids/pk/pids.max"), "4096");
}

TEST_F(V1DriverTest, ApplyWithoutAPidsLimitLeavesPidsMaxAlone) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f :
       {"cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us", "memory/pk/memory.limit_in_bytes"}) {
    tree_.write(f, "");
  }

  ASSERT_TRUE(mgr->apply("pk", Resources{}).has_value());

  EXPECT_FALSE(tree_.exists("pids/pk/pids.max"));
}

TEST_F(V1DriverTest, ApplyOfDeviceRulesFailsWhenTheDevicesControllerIsNotMounted) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f :
       {"cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us", "memory/pk/memory.limit_in_bytes"}) {
    tree_.write(f, "");
  }
  Resources r;
  r.devices = defaultDeviceRules();

  auto result = mgr->apply("pk", r);

  ASSERT_FALSE(result.has_value());
  EXPECT_NE(result.error().message.find("devices controller is not mounted"), std::string::npos)
      << result.error().message;
}

TEST_F(V1DriverTest, ApplyOfEveryDeviceAllowsAllAndDeniesNothing) {
  auto mgr = build({"cpu", "cpuacct", "memory", "devices"});
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* f :
       {"cpu/pk/cpu.cfs_quota_us", "cpu/pk/cpu.cfs_period_us", "memory/pk/memory.limit_in_bytes",
        "devices/pk/devices.allow", "devices/pk/devices.deny"}) {
    tree_.write(f, "");
  }
  Resources r;
  r.devices = allDevicesRule();

  ASSERT_TRUE(mgr->apply("pk", r).has_value());

  EXPECT_EQ(tree_.read("devices/pk/devices.allow"), "a");
  EXPECT_EQ(tree_.read("devices/pk/devices.deny"), "");
}

TEST_F(V1DriverTest, AddProcessWritesThePidInEveryHierarchy) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  for (const char* h : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
    tree_.write(std::string(h) + "/pk/cgroup.procs", "");
  }

  ASSERT_TRUE(mgr->addProcess("pk", 777).has_value());

  for (const char* h : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
    EXPECT_EQ(tree_.read(std::string(h) + "/pk/cgroup.procs"), "777") << h;
  }
  EXPECT_EQ(mgr->openForCloneInto("pk").value(), std::nullopt);
}

TEST_F(V1DriverTest, SelfJoinWritesZeroToEveryHierarchysTasksFile) {
  auto mgr = buildStandard();
  ASSERT_TRUE(mgr->create("pk").has_value());
  EXPECT_FALSE(mgr->openSelfJoin("pk").has_value());  // no tasks files yet: an error, not a skip
  for (const char* h : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
    tree_.write(std::string(h) + "/pk/tasks", "");
  }

  auto join = mgr->openSelfJoin("pk");
  ASSERT_TRUE(join.has_value()) << join.error().message;
  std::vector<int> fds;
  for (const auto& fd : *join) fds.push_back(fd.get());
  EXPECT_EQ(joinOwnCgroups(fds.data(), fds.size()), 0);

  for (const char* h : {"cpu", "cpuacct", "memory", "pids", "freezer"}) {
    EXPECT_EQ(tree_.read(std::string(h) + "/pk/tasks"), "0") << h;
  }
}

TEST_F(V1DriverTest, StatsReadEveryV1File) {
  auto mgr = buildStandard();
  tree_.write("pids/pk/cgroup.procs", "10\n");
  tree_.write("pids/pk/tasks", "10\n13\n");
  tree_.write("pids/pk/ctr/cgroup.procs", "11\n");
  tree_.write("pids/pk/ctr/tasks", "11\n");
  tree_.write("cpuacct/pk/cpuacct.usage", "123456789\n");
  tree_.write("cpuacct/pk/cpuacct.stat", "user 300\nsystem 100\n");
  tree_.write("cpu/pk/cpu.stat", "nr_periods 20\nnr_throttled 2\nthrottled_time 999\n");
  tree_.write("cpu/pk/cpu.shares", "1024\n");
  tree_.write("cpu/pk/cpu.cfs_quota_us", "50000\n");
  tree_.write("cpu/pk/cpu.cfs_period_us", "100000\n");
  tree_.write("memory/pk/memory.usage_in_bytes", "5000000\n");
  tree_.write("memory/pk/memory.max_usage_in_bytes", "6000000\n");
  tree_.write("memory/pk/memory.failcnt", "4\n");
  tree_.write("memory/pk/memory.limit_in_bytes", "8388608\n");
  tree_.write("memory/pk/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  tree_.write("memory/pk/memory.stat",
              "cache 1\nrss 2\ninactive_file 3\nswap 4\ntotal_cache 3000000\n"
              "total_rss 1500000\ntotal_swap 8192\ntotal_inactive_file 1000000\n");

  auto s = mgr->stats("pk");
  ASSERT_TRUE(s.has_value()) << s.error().message;

  const uint64_t nsPerTick = 1'000'000'000 / ::sysconf(_SC_CLK_TCK);
  EXPECT_EQ(s->cpu.usageNs, 123456789u);
  EXPECT_EQ(s->cpu.userNs, 300 * nsPerTick);
  EXPECT_EQ(s->cpu.systemNs, 100 * nsPerTick);
  EXPECT_EQ(s->cpu.periods, 20u);
  EXPECT_EQ(s->cpu.throttledPeriods, 2u);
  EXPECT_EQ(s->cpu.throttledNs, 999u);
  EXPECT_EQ(s->memory.usageBytes, 5000000u);
  EXPECT_EQ(s->memory.maxUsageBytes, 6000000u);
  EXPECT_EQ(s->memory.cacheBytes, 3000000u);  // the hierarchical total_ keys
  EXPECT_EQ(s->memory.rssBytes, 1500000u);
  EXPECT_EQ(s->memory.inactiveFileBytes, 1000000u);
  EXPECT_EQ(s->memory.swapBytes, 8192u);
  EXPECT_EQ(s->memory.failcnt, 4u);
  EXPECT_EQ(s->memory.oomKills, 2u);
  EXPECT_EQ(s->spec.memoryLimitBytes, 8388608u);
  EXPECT_EQ(s->spec.cpuShares, 1024u);
  EXPECT_EQ(s->spec.cpuQuotaUs, 50000);
  EXPECT_EQ(s->spec.cpuPeriodUs, 100000u);
  EXPECT_EQ(s->processes, 2u);
  EXPECT_EQ(s->threads, 3u);
}

TEST_F(V1DriverTest, StatsReportTheKernelsUnlimitedValuesAsNone) {
  auto mgr = buildStandard();
  tree_.write("pids/pk/cgroup.procs", "");
  tree_.write("pids/pk/tasks", "");
  const uint64_t page = ::sysconf(_SC_PAGESIZE);
  tree_.write("memory/pk/memory.limit_in_bytes",
              std::to_string((uint64_t{INT64_MAX} / page) * page) + "\n");
  tree_.write("cpu/pk/cpu.cfs_quota_us", "-1\n");

  auto s = mgr->stats("pk");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->spec.memoryLimitBytes, std::nullopt);
  EXPECT_EQ(s->spec.cpuQuotaUs, std::nullopt);
  EXPECT_EQ(s->processes, 0u);
}

TEST_F(V1DriverTest, CoMountedCpuAndCpuacctShareOneDirectory) {
  auto mgr = build({"cpu,cpuacct", "memory"});
  ASSERT_TRUE(mgr->create("pk").has_value());
  tree_.write("cpu,cpuacct/pk/cgroup.procs", "");
  tree_.write("cpu,cpuacct/pk/cpu.shares", "");
  tree_.write("cpu,cpuacct/pk/cpu.cfs_quota_us", "");
  tree_.write("cpu,cpuacct/pk/cpu.cfs_period_us", "");
  tree_.write("memory/pk/memory.limit_in_bytes", "");
  tree_.write("memory/pk/cgroup.procs", "");
  tree_.write("memory/pk/tasks", "");
  Resources r;
  r.cpuShares = 256;
  ASSERT_TRUE(mgr->apply("pk", r).has_value());
  tree_.write("cpu,cpuacct/pk/cpuacct.usage", "42\n");

  auto s = mgr->stats("pk");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(tree_.read("cpu,cpuacct/pk/cpu.shares"), "256");
  EXPECT_EQ(s->cpu.usageNs, 42u);
  EXPECT_EQ(s->spec.cpuShares, 256u);
}

TEST_F(V1DriverTest, KillAllFreezesKillsEveryPidAndThaws) {
  auto mgr = buildStandard();
  tree_.write("freezer/pk/freezer.state", "THAWED\n");
  tree_.write("pids/pk/cgroup.procs", "21\n");
  tree_.write("pids/pk/ctr/cgroup.procs", "22\n");
  std::vector<std::string> stateAtKill;
  signaller_->onKill = [&](pid_t pid) {
    stateAtKill.push_back(tree_.read("freezer/pk/freezer.state"));
    tree_.write(pid == 21 ? "pids/pk/cgroup.procs" : "pids/pk/ctr/cgroup.procs", "");
  };

  ASSERT_TRUE(mgr->killAll("pk").has_value());

  const std::vector<std::pair<pid_t, int>> want = {{21, SIGKILL}, {22, SIGKILL}};
  EXPECT_EQ(signaller_->kills, want);
  EXPECT_EQ(stateAtKill, (std::vector<std::string>{"FROZEN", "FROZEN"}));
  EXPECT_EQ(tree_.read("freezer/pk/freezer.state"), "THAWED");
}

TEST_F(V1DriverTest, KillAllWithoutAFreezerStillKillsUntilEmpty) {
  auto mgr = build({"cpu", "cpuacct", "memory"});
  tree_.write("memory/pk/cgroup.procs", "31\n32\n");
  signaller_->onKill = [&](pid_t) { tree_.write("memory/pk/cgroup.procs", ""); };

  ASSERT_TRUE(mgr->killAll("pk").has_value());
  EXPECT_EQ(signaller_->kills.size(), 2u);
}

TEST_F(V1DriverTest, HybridAlsoCreatesJoinsAndKillsInTheUnifiedTree) {
  auto mgr = build({"cpu", "cpuacct", "memory", "pids"}, /*hybrid=*/true);
  ASSERT_EQ(mgr->mode(), Mode::Hybrid);
  ASSERT_TRUE(mgr->create("pk").has_value());
  EXPECT_TRUE(tree_.exists("unified/pk"));
  for (const char* h : {"cpu", "cpuacct", "memory", "pids", "unified"}) {
    tree_.write(std::string(h) + "/pk/cgroup.procs", "");
  }
  tree_.write("unified/pk/cgroup.kill", "");

  ASSERT_TRUE(mgr->addProcess("pk", 41).has_value());
  EXPECT_EQ(tree_.read("unified/pk/cgroup.procs"), "41");
  EXPECT_EQ(tree_.read("pids/pk/cgroup.procs"), "41");
  // A child is cloned into the unified directory and joins the v1 hierarchies itself.
  auto into = mgr->openForCloneInto("pk");
  ASSERT_TRUE(into.has_value() && into->has_value());
  const UniqueFd unifiedDir(**into);
  EXPECT_TRUE(unifiedDir.valid());
  for (const char* h : {"cpu", "cpuacct", "memory", "pids"}) {
    tree_.write(std::string(h) + "/pk/tasks", "");
  }
  auto join = mgr->openSelfJoin("pk");
  ASSERT_TRUE(join.has_value()) << join.error().message;
  EXPECT_EQ(join->size(), 4u);

  signaller_->onPause = [&] {
    for (const char* h : {"cpu", "cpuacct", "memory", "pids", "unified"}) {
      tree_.write(std::string(h) + "/pk/cgroup.procs", "");
    }
  };
  ASSERT_TRUE(mgr->killAll("pk").has_value());
  EXPECT_EQ(tree_.read("unified/pk/cgroup.kill"), "1");
  EXPECT_TRUE(signaller_->kills.empty());
}

TEST_F(V1DriverTest, HybridKillAllAlsoKillsWhatJoinedOnlyTheV1Hierarchies) {
  auto mgr = build({"cpu", "cpuacct", "memory", "pids"}, /*hybrid=*/true);
  ASSERT_TRUE(mgr->create("pk").has_value());
  tree_.write("unified/pk/cgroup.procs", "");
  tree_.write("unified/pk/cgroup.kill", "");
  tree_.write("pids/pk/cgroup.procs", "51\n");
  signaller_->onKill = [&](pid_t) { tree_.write("pids/pk/cgroup.procs", ""); };

  ASSERT_TRUE(mgr->killAll("pk").has_value());

  const std::vector<std::pair<pid_t, int>> want = {{51, SIGKILL}};
  EXPECT_EQ(signaller_->kills, want);
}

TEST_F(V1DriverTest, HybridLimitsGoToV1Only) {
  auto mgr = build({"cpu", "cpuacct", "memory"}, /*hybrid=*/true);
  ASSERT_TRUE(mgr->create("pk").has_value());
  tree_.write("cpu/pk/cpu.cfs_quota_us", "");
  tree_.write("cpu/pk/cpu.cfs_period_us", "");
  tree_.write("memory/pk/memory.limit_in_bytes", "");

  ASSERT_TRUE(mgr->apply("pk", Resources{}).has_value());

  EXPECT_EQ(tree_.read("memory/pk/memory.limit_in_bytes"), "-1");
  EXPECT_FALSE(tree_.exists("unified/pk/memory.max"));
  EXPECT_FALSE(tree_.exists("unified/pk/cpu.max"));
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
