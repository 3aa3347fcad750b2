#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "runtime_fixture.h"

// What a container's output can do to the disks: logs are kept as the kubelet keeps them
// (the running and the previous container's, gone with the pod), never written through a
// symlink, and a full log disk stops neither the container nor its shim, nor fills /run.
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

off_t sizeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

std::vector<std::string> namesIn(const std::string& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

class ContainerLogs : public RuntimeFixture {
 protected:
  std::string logDirOf(const SandboxSpec& sb) {
    return tempRoot() + "/logs/" + sb.namespace_ + "_" + sb.name + "_" + sb.uid;
  }
  // The container's restart `n`, logging to <n>.log, run to its end.
  void runRestart(const SandboxSpec& sb, int n) {
    auto spec = container(sb, "app", {"sh", "-c", "echo run " + std::to_string(n)});
    spec.restartCount = n;
    spec.logPath = logDirOf(sb) + "/app/" + std::to_string(n) + ".log";
    start(spec);
    ASSERT_TRUE(waitForExit(sb.uid, "app").has_value()) << n;
    ASSERT_TRUE(runtime_->removeContainer(sb.uid, "app").has_value()) << n;
  }
};

// Which earlier restarts' logs stay is the agent's container GC (agent/container_gc_runner.h):
// the runtime removes none.
TEST_F(ContainerLogs, CrashLoopLeavesEveryRestartsLogToTheAgentsGc) {
  const auto sb = makeSandbox("crashloop");
  for (int n = 0; n < 5; ++n) runRestart(sb, n);
  EXPECT_EQ(namesIn(logDirOf(sb) + "/app"),
            (std::vector<std::string>{"0.log", "1.log", "2.log", "3.log", "4.log"}));
  EXPECT_NE(readFileOr(logDirOf(sb) + "/app/3.log").find("F run 3\n"), std::string::npos);
}

TEST_F(ContainerLogs, PodLogDirectoryIsRemovedWithTheSandbox) {
  auto sb = sandbox("logsgone");
  sb.logDir = logDirOf(sb);
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  runRestart(sb, 0);
  runRestart(sb, 1);
  ASSERT_TRUE(fs::exists(logDirOf(sb) + "/app/1.log"));
  ASSERT_TRUE(runtime_->removeSandbox(sb.uid).has_value());
  EXPECT_FALSE(fs::exists(logDirOf(sb)));
}

TEST_F(ContainerLogs, SymlinkPlantedAsTheNextLogFileIsNotFollowed) {
  const auto sb = makeSandbox("loglink");
  const std::string target = tempRoot() + "/not-a-log";
  fs::create_directories(logDirOf(sb) + "/app");
  fs::create_symlink(target, logDirOf(sb) + "/app/1.log");
  auto spec = container(sb, "app", {"sh", "-c", "echo written"});
  spec.restartCount = 1;
  spec.logPath = logDirOf(sb) + "/app/1.log";
  (void)runtime_->startContainer(spec);  // refused or not, the target must stay untouched
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::is_symlink(logDirOf(sb) + "/app/1.log"));
}

// A 64 KiB tmpfs as the log directory, filled by a container that never stops writing.
class FullLogDisk : public ContainerLogs {
 protected:
  void SetUp() override {
    ContainerLogs::SetUp();
    if (!runtime_) return;
    disk_ = tempRoot() + "/full-logs";
    fs::create_directories(disk_);
    ASSERT_EQ(::mount("tmpfs", disk_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=64k"), 0);
  }
  void TearDown() override {
    ContainerLogs::TearDown();  // the shims go with their sandboxes
    if (!disk_.empty()) ::umount2(disk_.c_str(), MNT_DETACH);
  }
  bool diskFull() const {
    struct statvfs vfs {};
    return ::statvfs(disk_.c_str(), &vfs) == 0 && vfs.f_bavail == 0;
  }
  std::string disk_;
};

TEST_F(FullLogDisk, ContainerAndShimRunOnAndTheShimLogStopsGrowing) {
  const auto sb = makeSandbox("fulldisk");
  auto spec = container(sb, "app",
                        {"sh", "-c", "while true; do echo 0123456789abcdef0123456789abcdef; done"});
  fs::create_directories(disk_ + "/app");
  spec.logPath = disk_ + "/app/0.log";
  const auto started = start(spec);
  ASSERT_GT(started.pid, 0);
  ASSERT_TRUE(waitForLog(
                  spec, [&](const std::string&) { return diskFull(); }, 10s)
                  .size() > 0);
  const std::string shimLog = runtime_->layout().container(sb.uid, "app").shimLog();
  std::this_thread::sleep_for(500ms);
  const off_t before = sizeOf(shimLog);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(sizeOf(shimLog), before) << readFileOr(shimLog).substr(0, 2000);
  const auto now = observe(sb.uid, "app");
  EXPECT_FALSE(now.exit.has_value());
  EXPECT_EQ(::kill(now.pid, 0), 0);
  EXPECT_EQ(::kill(now.shimPid, 0), 0);
}

// What the agent's podkeeper_container_log_entries_dropped_total is made of: the shim counts
// every entry the full log could not take, and observing the container reads the count.
TEST_F(FullLogDisk, EntriesTheFullLogCannotTakeAreCountedAndObserved) {
  const auto sb = makeSandbox("fullcount");
  // The flood waits a moment: the 64 KiB log fills within milliseconds, and the state the
  // start returns, read after the shim's report, must show the count from before it.
  auto spec =
      container(sb, "app", {"sh", "-c", "sleep 0.5; while true; do echo counted-line; done"});
  fs::create_directories(disk_ + "/app");
  spec.logPath = disk_ + "/app/0.log";
  const auto started = start(spec);
  ASSERT_GT(started.pid, 0);
  EXPECT_EQ(started.logEntriesDropped, 0u);
  uint64_t first = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((first = observe(sb.uid, "app").logEntriesDropped) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GT(first, 0u) << "disk full: " << diskFull();
  const auto grew = std::chrono::steady_clock::now() + 10s;
  uint64_t later = first;
  while ((later = observe(sb.uid, "app").logEntriesDropped) == first &&
         std::chrono::steady_clock::now() < grew) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(later, first);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
