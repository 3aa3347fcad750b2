// The v2 driver on the real cgroup2 mount of this hybrid machine (/sys/fs/cgroup/unified),
// where the core files work but the cpu and memory controllers are bound to v1 (root required).
#include <gtest/gtest.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/v2/v2_manager.h"
#include "test_support.h"
#include "tests/support/cgroup_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::Child;
using testing::readFileOrEmpty;

class UnifiedV2Test : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(mgr_.create(path_).has_value()); }

  const std::string root_ = testing::uniqueRoot("v2");
  const support::CgroupRootGuard rootGuard_{root_};
  const std::string path_ = root_ + "/ctr";
  V2Manager mgr_{Hierarchy{"/sys/fs/cgroup/unified", "/", {}}, systemSignaller()};
};

TEST_F(UnifiedV2Test, StatsParseTheRealCpuStatAfterTheChildBurnsCpu) {
  Child child(/*burnMillis=*/200);
  ASSERT_TRUE(mgr_.addProcess(path_, child.pid()).has_value());
  child.releaseAndWaitBurnt();

  auto s = mgr_.stats(root_);
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_GE(s->cpu.usageNs.value_or(0), 150'000'000u);
  EXPECT_GT(s->cpu.userNs.value_or(0), 0u);
  EXPECT_TRUE(s->cpu.systemNs.has_value());
  EXPECT_EQ(s->processes, 1u);
  EXPECT_EQ(s->threads, 1u);
}

TEST_F(UnifiedV2Test, KillAllThroughCgroupKillSigkillsTheChild) {
  ASSERT_TRUE(::access(("/sys/fs/cgroup/unified/" + path_ + "/cgroup.kill").c_str(), F_OK) == 0);
  Child child;
  ASSERT_TRUE(mgr_.addProcess(path_, child.pid()).has_value());

  auto killed = mgr_.killAll(root_);
  ASSERT_TRUE(killed.has_value()) << killed.error().message;

  const int status = child.reap();
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(readFileOrEmpty("/sys/fs/cgroup/unified/" + path_ + "/cgroup.procs"), "");
}

TEST_F(UnifiedV2Test, OpenForCloneIntoGivesAFdThatClone3PlacesTheChildWith) {
  auto fd = mgr_.openForCloneInto(path_);
  ASSERT_TRUE(fd.has_value() && fd->has_value());
  UniqueFd cgroupFd(**fd);

  clone_args args{};
  args.flags = CLONE_INTO_CGROUP;
  args.exit_signal = SIGCHLD;
  args.cgroup = static_cast<uint64_t>(cgroupFd.get());
  const long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) {
    for (;;) ::pause();
  }
  ASSERT_GT(pid, 0) << "clone3: " << std::strerror(errno);

  const auto lines = testing::procCgroupLines(static_cast<pid_t>(pid));
  ::kill(static_cast<pid_t>(pid), SIGKILL);
  ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  EXPECT_NE(std::find(lines.begin(), lines.end(), "0::/" + path_), lines.end());
}

TEST_F(UnifiedV2Test, RemoveDeletesTheTree) {
  auto removed = mgr_.remove(root_);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  EXPECT_FALSE(mgr_.exists(root_));
  EXPECT_FALSE(testing::dirExists("/sys/fs/cgroup/unified/" + root_));
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
