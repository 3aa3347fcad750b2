#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

using ExecInContainer = RuntimeFixture;

TEST_F(ExecInContainer, RunsInTheContainersNamespacesWithItsIdentity) {
  const auto sb = makeSandbox("exec", "exec-host");
  start(container(sb, "app", {"sleep", "30"}));
  auto r = runtime_->execInContainer(
      sb.uid, "app",
      {"sh", "-c", "hostname; cat /proc/1/cmdline; echo; grep CapBnd /proc/self/status; exit 4"},
      5000);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(r->timedOut);
  EXPECT_EQ(r->exitCode, 4);
  EXPECT_TRUE(contains(r->output, "exec-host\n")) << r->output;
  EXPECT_TRUE(contains(r->output, std::string("sleep\0"
                                              "30",
                                              8)))
      << r->output;
  EXPECT_TRUE(contains(r->output, "CapBnd:\t00000000a80425fb")) << r->output;
}

TEST_F(ExecInContainer, CommandRunsInTheContainersCgroup) {
  const auto sb = makeSandbox("execcg");
  start(container(sb, "app", {"sleep", "30"}));
  const std::string cgroup = sb.cgroupParent + "/app";
  size_t most = 0;
  std::thread exec([&] { (void)runtime_->execInContainer(sb.uid, "app", {"sleep", "1"}, 5000); });
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  while (std::chrono::steady_clock::now() < until) {
    if (auto pids = cgroups_->pids(cgroup)) most = std::max(most, pids->size());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  exec.join();
  // The init, the joiner and the exec'd command.
  EXPECT_GE(most, 3u);
}

TEST_F(ExecInContainer, CommandIsKilledAfterTheTimeout) {
  const auto sb = makeSandbox("exectimeout");
  start(container(sb, "app", {"sleep", "30"}));
  const auto begin = std::chrono::steady_clock::now();
  auto r = runtime_->execInContainer(sb.uid, "app", {"sleep", "20"}, 300);
  const auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(r->timedOut);
  // Not the command's 20 s (a bound, not a speed: under a loaded parallel ctest the kill and
  // reap once took 2.4 s).
  EXPECT_LT(took, std::chrono::seconds(10));
  // The command is gone and reaped: only the init is left in the cgroup.
  auto pids = cgroups_->pids(sb.cgroupParent + "/app");
  ASSERT_TRUE(pids.has_value());
  EXPECT_EQ(pids->size(), 1u);
}

TEST_F(ExecInContainer, MissingCommandIsAnError) {
  const auto sb = makeSandbox("execmissing");
  start(container(sb, "app", {"sleep", "30"}));
  auto r = runtime_->execInContainer(sb.uid, "app", {"no-such-command"}, 5000);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOENT) << r.error().message;
}

TEST_F(ExecInContainer, StoppedContainerIsAnError) {
  const auto sb = makeSandbox("execstopped");
  start(container(sb, "app", {"true"}));
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  auto r = runtime_->execInContainer(sb.uid, "app", {"true"}, 5000);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "not running")) << r.error().message;
}

}  // namespace
}  // namespace podkeeper::runtime::testing
