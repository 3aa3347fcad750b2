// NamespaceStandby: a pod's namespaces made ahead of it. Real namespaces, pinned in a
// temporary directory and unpinned at the end of each test.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sys/proc.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/text.h"
#include "tests/support/wait_for.h"

namespace podkeeper::runtime {
namespace {

const std::vector<std::string> kPodKinds = {"net", "ipc", "uts"};

ino_t inodeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Exited: a zombie until its parent reaps it, or gone.
bool exited(pid_t pid) {
  const auto state =
      parseProcStatState(support::readText("/proc/" + std::to_string(pid) + "/stat"));
  return !state || *state == 'Z';
}

class NamespaceStandbyTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const auto& d : pinned_) (void)unpinNamespaces(d);
  }
  // Pins a pod's namespaces in <dir>/<name>/ns through `standby`.
  std::string pin(const std::string& name, NamespaceStandby* standby,
                  const std::vector<std::string>& kinds = kPodKinds, const Sysctls& sysctls = {}) {
    const std::string nsDir = dir_.file(name + "/ns");
    {
      std::lock_guard lock(mu_);
      pinned_.push_back(nsDir);
    }
    auto pinning = startPinningNamespaces(nsDir, kinds, name, sysctls, std::nullopt, standby);
    EXPECT_TRUE(pinning.has_value()) << pinning.error().message;
    if (!pinning) return nsDir;
    auto done = pinning->finish();
    EXPECT_TRUE(done.has_value()) << done.error().message;
    return nsDir;
  }
  static std::string inside(const std::string& nsDir, const std::string& command) {
    return support::runShell("nsenter --net=" + nsDir + "/net --uts=" + nsDir +
                             "/uts --ipc=" + nsDir + "/ipc sh -c '" + command + "' 2>&1")
        .output;
  }
  support::TempDir dir_{"pk-test-nsstandby"};
  std::mutex mu_;  // pinned_, which pods on several threads add to
  std::vector<std::string> pinned_;
};

TEST_F(NamespaceStandbyTest, APodTakesTheWaitingNamespacesWithItsOwnSettingsAndTheNextWaits) {
  NamespaceStandby standby;
  EXPECT_EQ(standby.waitingPid(), 0);
  const std::string first = pin("first", &standby);  // none waits yet: a helper of its own
  const pid_t waiting = standby.waitingPid();
  ASSERT_GT(waiting, 0);
  const ino_t madeAhead = inodeOf("/proc/" + std::to_string(waiting) + "/ns/net");
  ASSERT_NE(madeAhead, 0u);
  EXPECT_NE(inodeOf(first + "/net"), madeAhead);

  const std::string second =
      pin("second", &standby, kPodKinds,
          {{"net.ipv4.ip_unprivileged_port_start", "1000"}, {"kernel.shm_rmid_forced", "1"}});
  EXPECT_EQ(inodeOf(second + "/net"), madeAhead);  // the namespace made ahead
  const pid_t next = standby.waitingPid();
  EXPECT_GT(next, 0);
  EXPECT_NE(next, waiting);
  EXPECT_EQ(inside(second,
                   "hostname; cat /proc/sys/net/ipv4/ip_unprivileged_port_start "
                   "/proc/sys/kernel/shm_rmid_forced; ip -o link show lo | grep -c UP"),
            "second\n1000\n1\n1\n");
  EXPECT_EQ(inside(first, "hostname"), "first\n");
  // Each pod's namespaces are its own.
  for (const char* kind : {"net", "ipc", "uts"})
    EXPECT_NE(inodeOf(first + "/" + kind), inodeOf(second + "/" + kind)) << kind;
}

TEST_F(NamespaceStandbyTest, APodWithOtherNamespacesLeavesTheWaitingOnes) {
  NamespaceStandby standby;
  pin("first", &standby);
  const pid_t waiting = standby.waitingPid();
  ASSERT_GT(waiting, 0);
  const std::string hostNetwork = pin("hostnet", &standby, {"ipc", "uts"});
  EXPECT_EQ(standby.waitingPid(), waiting);
  EXPECT_EQ(support::runShell("nsenter --uts=" + hostNetwork + "/uts hostname").output,
            "hostnet\n");
}

TEST_F(NamespaceStandbyTest, AWaitingHelperThatDiedGivesWayToOneOfThePodsOwn) {
  NamespaceStandby standby;
  pin("first", &standby);
  const pid_t waiting = standby.waitingPid();
  ASSERT_GT(waiting, 0);
  ASSERT_EQ(::kill(waiting, SIGKILL), 0);
  // Dead (a zombie until the standby reaps it) before the next pod comes.
  ASSERT_TRUE(support::waitFor([&] { return exited(waiting); }, std::chrono::seconds(5)));
  const std::string second = pin("second", &standby);
  EXPECT_EQ(inside(second, "hostname; ip -o link show lo | grep -c UP"), "second\n1\n");
  EXPECT_GT(standby.waitingPid(), 0);
}

TEST_F(NamespaceStandbyTest, PodsPinnedAtOnceOnSeveralThreadsEachGetTheirOwn) {
  NamespaceStandby standby;
  pin("first", &standby);
  std::vector<std::string> dirs(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < dirs.size(); ++i)
    threads.emplace_back([&, i] { dirs[i] = pin("pod" + std::to_string(i), &standby); });
  for (auto& t : threads) t.join();
  std::set<ino_t> nets;
  for (size_t i = 0; i < dirs.size(); ++i) {
    EXPECT_EQ(inside(dirs[i], "hostname"), "pod" + std::to_string(i) + "\n");
    nets.insert(inodeOf(dirs[i] + "/net"));
  }
  EXPECT_EQ(nets.size(), dirs.size());
  EXPECT_GT(standby.waitingPid(), 0);
}

TEST_F(NamespaceStandbyTest, AWaitingHelperEndsWithAKilledAgent) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {  // an "agent" with a standby, killed while its helper waits
    NamespaceStandby standby;
    pin("first", &standby);
    const pid_t waiting = standby.waitingPid();
    (void)!::write(fds[1], &waiting, sizeof waiting);
    ::pause();
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t waiting = 0;
  ASSERT_EQ(::read(fds[0], &waiting, sizeof waiting), ssize_t(sizeof waiting));
  ::close(fds[0]);
  ASSERT_GT(waiting, 0);
  EXPECT_EQ(::kill(waiting, 0), 0);
  ASSERT_EQ(::kill(agent, SIGKILL), 0);
  ASSERT_EQ(::waitpid(agent, nullptr, 0), agent);
  // Gone (reaped by init) or exited and not yet reaped: not waiting any more.
  EXPECT_TRUE(support::waitFor([&] { return exited(waiting); }, std::chrono::seconds(5)));
}

TEST_F(NamespaceStandbyTest, TheWaitingHelperIsReapedWithItsStandby) {
  pid_t waiting = 0;
  {
    NamespaceStandby standby;
    pin("first", &standby);
    waiting = standby.waitingPid();
    ASSERT_GT(waiting, 0);
    EXPECT_EQ(::kill(waiting, 0), 0);
  }
  EXPECT_EQ(::kill(waiting, 0), -1);  // gone, not a zombie
  EXPECT_EQ(errno, ESRCH);
}

}  // namespace
}  // namespace podkeeper::runtime
