#include "runtime/linux/linux_runtime.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <map>

#include "runtime/bundle/state_json.h"
#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "tests/support/mock_cgroup_manager.h"
#include "tests/support/sleeper.h"

namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;
using support::MockCgroupManager;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Return;

Result<void> ok() { return {}; }

// LinuxRuntime over a temp state dir and a mock CgroupManager; the "processes" recorded in
// state.json are this test process (alive) or it with a wrong start time (a recycled pid).
class LinuxRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pk-lrt-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    RuntimeConfig cfg;
    cfg.stateDir = (dir_ / "state").string();
    cfg.rootDir = (dir_ / "root").string();
    cfg.shimPath = (dir_ / "no-such-shim").string();
    cfg.cgroupRoot = "pk";
    runtime_ = std::make_unique<LinuxRuntime>(cfg, cgroups_);
    selfStart_ = *readProcStartTime(::getpid());
  }
  void TearDown() override { fs::remove_all(dir_); }

  void writeSandbox(const std::string& uid) {
    fs::create_directories(runtime_->layout().containersDir(uid));
    SandboxRecord r{uid, "web", "default", "web", "h1", "pk/pod" + uid, 30};
    ASSERT_TRUE(writeFileAtomic(runtime_->layout().sandboxFile(uid), encodeSandboxRecord(r)));
  }
  // A container record whose init and shim are this process (alive when startTime matches).
  void writeContainer(const std::string& uid, const std::string& name, uint64_t startTime) {
    const auto paths = runtime_->layout().container(uid, name);
    fs::create_directories(paths.dir);
    ContainerRecord r;
    r.name = name;
    r.image = "busybox";
    r.cgroupPath = "pk/pod" + uid + "/" + name;
    r.shimPid = r.pid = ::getpid();
    r.shimStartTime = r.pidStartTime = startTime;
    r.startedAtNs = 5;
    ASSERT_TRUE(writeFileAtomic(paths.state(), encodeContainerRecord(r)));
  }
  ContainerSpec spec(const std::string& uid, const std::string& name) {
    ContainerSpec s;
    s.sandboxUid = uid;
    s.name = name;
    s.image = "busybox";
    s.resolvedImage.layers = {dir_.string()};  // any existing directory
    s.argv = {"true"};
    s.logPath = (dir_ / "logs" / name / "0.log").string();
    return s;
  }

  fs::path dir_;
  NiceMock<MockCgroupManager> cgroups_;
  std::unique_ptr<LinuxRuntime> runtime_;
  uint64_t selfStart_ = 0;
};

TEST_F(LinuxRuntimeTest, StartRefusesAContainerOfAnUnknownSandbox) {
  EXPECT_CALL(cgroups_, create(_)).Times(0);
  auto r = runtime_->startContainer(spec("nosuch", "app"));
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("container nosuch/app: sandbox not ready"));
}

TEST_F(LinuxRuntimeTest, StartRefusesANameThatStillExists) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  EXPECT_CALL(cgroups_, create(_)).Times(0);
  auto r = runtime_->startContainer(spec("u1", "app"));
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("already exists"));
}

TEST_F(LinuxRuntimeTest, StartRefusesUnknownCapabilityBeforeTouchingAnything) {
  writeSandbox("u1");
  auto s = spec("u1", "app");
  s.capAdd = {"NOT_A_CAP"};
  EXPECT_CALL(cgroups_, create(_)).Times(0);
  auto r = runtime_->startContainer(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("\"NOT_A_CAP\""));
  EXPECT_FALSE(fs::exists(runtime_->layout().container("u1", "app").dir));
}

TEST_F(LinuxRuntimeTest, FailedStartRemovesTheCgroupAndTheContainerDirectory) {
  writeSandbox("u1");
  EXPECT_CALL(cgroups_, create("pk/podu1/app")).WillOnce(Return(ok()));
  EXPECT_CALL(cgroups_, apply("pk/podu1/app", _)).WillOnce(Return(ok()));
  EXPECT_CALL(cgroups_, exists("pk/podu1/app")).WillRepeatedly(Return(true));
  EXPECT_CALL(cgroups_, killAll("pk/podu1/app")).WillOnce(Return(ok()));
  EXPECT_CALL(cgroups_, remove("pk/podu1/app")).WillOnce(Return(ok()));
  auto r = runtime_->startContainer(spec("u1", "app"));
  ASSERT_FALSE(r.has_value());
  // The sealed copy of the shim cannot be made: the start fails naming the file.
  EXPECT_THAT(r.error().message, HasSubstr("no-such-shim: No such file or directory"));
  EXPECT_FALSE(fs::exists(runtime_->layout().container("u1", "app").dir));
}

TEST_F(LinuxRuntimeTest, EmptyCommandOrRelativeLogPathIsRefused) {
  writeSandbox("u1");
  EXPECT_CALL(cgroups_, create(_)).Times(0);
  auto noCommand = spec("u1", "app");
  noCommand.argv.clear();
  EXPECT_THAT(runtime_->startContainer(noCommand).error().message, HasSubstr("no command"));
  auto relativeLog = spec("u1", "app");
  relativeLog.logPath = "logs/0.log";
  EXPECT_THAT(runtime_->startContainer(relativeLog).error().message,
              HasSubstr("\"logs/0.log\" is not absolute"));
}

TEST_F(LinuxRuntimeTest, RelativeMountDestinationIsRefused) {
  writeSandbox("u1");
  auto s = spec("u1", "app");
  s.mounts = {{dir_.string(), "", "data", false}};
  EXPECT_CALL(cgroups_, create(_)).Times(0);
  auto r = runtime_->startContainer(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("volume mount data: destination must be an absolute"));
}

TEST_F(LinuxRuntimeTest, EmptyDirMountOfAnUndeclaredVolumeIsRefused) {
  writeSandbox("u1");
  auto s = spec("u1", "app");
  s.mounts = {{"", "cache", "/cache", false}};
  auto r = runtime_->startContainer(s);
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("/volumes/cache\" does not exist"));
}

TEST_F(LinuxRuntimeTest, ExplicitCgroupPathIsUsed) {
  writeSandbox("u1");
  auto s = spec("u1", "app");
  s.cgroupPath = "elsewhere/app";
  EXPECT_CALL(cgroups_, create("elsewhere/app")).WillOnce(Return(ok()));
  (void)runtime_->startContainer(s);
}

TEST_F(LinuxRuntimeTest, KillKillsTheRecordedCgroup) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  EXPECT_CALL(cgroups_, exists("pk/podu1/app")).WillRepeatedly(Return(true));
  EXPECT_CALL(cgroups_, killAll("pk/podu1/app")).WillOnce(Return(ok()));
  EXPECT_TRUE(runtime_->killContainer("u1", "app").has_value());
}

TEST_F(LinuxRuntimeTest, RemoveIsRefusedWhileTheInitRuns) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  EXPECT_CALL(cgroups_, remove(_)).Times(0);
  auto r = runtime_->removeContainer("u1", "app");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, EBUSY);
  EXPECT_TRUE(fs::exists(runtime_->layout().container("u1", "app").dir));
}

TEST_F(LinuxRuntimeTest, RemoveOfAnExitedContainerRemovesCgroupAndState) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_ + 1);  // a recycled pid: the container is gone
  EXPECT_CALL(cgroups_, exists("pk/podu1/app")).WillRepeatedly(Return(true));
  EXPECT_CALL(cgroups_, remove("pk/podu1/app")).WillOnce(Return(ok()));
  auto r = runtime_->removeContainer("u1", "app");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(fs::exists(runtime_->layout().container("u1", "app").dir));
  EXPECT_TRUE(runtime_->removeContainer("u1", "app").has_value()) << "idempotent";
}

TEST_F(LinuxRuntimeTest, ListChecksLivenessAndReadsExitRecords) {
  writeSandbox("u1");
  writeContainer("u1", "alive", selfStart_);
  writeContainer("u1", "gone", selfStart_ + 1);
  ASSERT_TRUE(writeFileAtomic(runtime_->layout().container("u1", "gone").exit(),
                              encodeExitRecord({3, 0, false, 5, 9})));
  fs::create_directories(runtime_->layout().container("u1", "starting").dir);
  auto all = runtime_->list();
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  const auto& sb = all->front();
  EXPECT_EQ(sb.name, "web");
  EXPECT_EQ(sb.cgroupParent, "pk/podu1");
  ASSERT_EQ(sb.containers.size(), 3u);
  EXPECT_EQ(sb.containers[0].name, "alive");
  EXPECT_TRUE(sb.containers[0].running);
  EXPECT_TRUE(sb.containers[0].shimAlive);
  EXPECT_EQ(sb.containers[1].name, "gone");
  EXPECT_FALSE(sb.containers[1].running);
  ASSERT_TRUE(sb.containers[1].exit.has_value());
  EXPECT_EQ(sb.containers[1].exit->exitCode, 3);
  EXPECT_EQ(sb.containers[2].name, "starting");
  EXPECT_EQ(sb.containers[2].pid, 0);
  EXPECT_FALSE(sb.containers[2].running);
}

// state.json is parsed once per version (kept by the file's identity): a record replaced by
// another of the same size is read anew, one removed is gone.
TEST_F(LinuxRuntimeTest, AReplacedContainerRecordIsReadAgain) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  auto first = runtime_->inspect("u1");
  ASSERT_TRUE(first.has_value() && *first);
  ASSERT_EQ((*first)->containers.size(), 1u);
  EXPECT_TRUE((*first)->containers[0].running);
  EXPECT_EQ((*first)->containers[0].startedAtNs, 5);
  // The same record but another start time and startedAt of the same width: the same size.
  const auto paths = runtime_->layout().container("u1", "app");
  auto text = readWholeFile(paths.state());
  ASSERT_TRUE(text.has_value());
  auto rec = decodeContainerRecord(*text, paths.state());
  ASSERT_TRUE(rec.has_value());
  rec->startedAtNs = 7;
  rec->pidStartTime = rec->shimStartTime = selfStart_ + 1;
  const std::string again = encodeContainerRecord(*rec);
  if (again.size() != text->size()) GTEST_SKIP() << "start time of another width";
  ASSERT_TRUE(writeFileAtomic(paths.state(), again));
  auto second = runtime_->inspect("u1");
  ASSERT_TRUE(second.has_value() && *second);
  EXPECT_EQ((*second)->containers[0].startedAtNs, 7);
  EXPECT_FALSE((*second)->containers[0].running);  // not this process's start time
  fs::remove(paths.state());
  auto third = runtime_->inspect("u1");
  ASSERT_TRUE(third.has_value() && *third);
  EXPECT_EQ((*third)->containers[0].pid, 0);  // no record: not started
}

// A list reads again only the pods whose state directory changed since the last list, or
// whose processes did not stay as alive as they were; it keeps the others as read.
TEST_F(LinuxRuntimeTest, AListReadsOnlyThePodsThatChangedSinceTheLastOne) {
  support::Sleeper child;
  ASSERT_GT(child.pid, 0);
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  writeSandbox("u2");
  writeContainer("u2", "app", selfStart_);
  {  // u2's container is the child, its shim this process
    const auto paths = runtime_->layout().container("u2", "app");
    auto rec = decodeContainerRecord(*readWholeFile(paths.state()), paths.state());
    ASSERT_TRUE(rec.has_value());
    rec->pid = child.pid;
    rec->pidStartTime = child.start;
    ASSERT_TRUE(writeFileAtomic(paths.state(), encodeContainerRecord(*rec)));
  }
  const auto list = [&] {
    auto all = runtime_->list();
    EXPECT_TRUE(all.has_value()) << all.error().message;
    std::map<std::string, SandboxState> byUid;
    for (auto& s : all.value_or(std::vector<SandboxState>{})) byUid[s.uid] = s;
    return byUid;
  };
  const auto counts = [&] {
    const auto c = runtime_->lastList();
    return std::make_pair(c.read, c.kept);
  };
  auto seen = list();
  EXPECT_EQ(counts(), std::make_pair(size_t(2), size_t(0)));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen["u2"].containers.at(0).running);

  seen = list();  // nothing changed
  EXPECT_EQ(counts(), std::make_pair(size_t(0), size_t(2)));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen["u1"].name, "web");
  EXPECT_TRUE(seen["u1"].containers.at(0).running);
  EXPECT_TRUE(seen["u2"].containers.at(0).running);

  StopRecord stop;
  stop.killDeadlineNs = 42;
  ASSERT_TRUE(runtime_->recordStop("u1", stop).has_value());
  seen = list();  // a file of the pod's directory
  EXPECT_EQ(counts(), std::make_pair(size_t(1), size_t(1)));
  ASSERT_TRUE(seen["u1"].stop.has_value());
  EXPECT_EQ(seen["u1"].stop->killDeadlineNs, 42);

  writeContainer("u1", "side", selfStart_);
  seen = list();  // a new container directory
  EXPECT_EQ(counts(), std::make_pair(size_t(1), size_t(1)));
  EXPECT_EQ(seen["u1"].containers.size(), 2u);

  child.killOnly();  // a zombie until reaped
  seen = list();     // nothing written: its init exited
  EXPECT_EQ(counts(), std::make_pair(size_t(1), size_t(1)));
  EXPECT_FALSE(seen["u2"].containers.at(0).running);
  EXPECT_FALSE(seen["u2"].containers.at(0).exit.has_value());
  child.reap();

  ExitRecord exit;
  exit.exitCode = 137;
  exit.signal = SIGKILL;
  ASSERT_TRUE(
      writeFileAtomic(runtime_->layout().container("u2", "app").exit(), encodeExitRecord(exit)));
  seen = list();  // a file of a container's directory, as its shim writes it
  EXPECT_EQ(counts(), std::make_pair(size_t(1), size_t(1)));
  ASSERT_TRUE(seen["u2"].containers.at(0).exit.has_value());
  EXPECT_EQ(seen["u2"].containers.at(0).exit->exitCode, 137);

  writeSandbox("u3");
  fs::remove_all(runtime_->layout().podDir("u2"));
  seen = list();  // a pod came, one went
  EXPECT_EQ(counts(), std::make_pair(size_t(1), size_t(1)));
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(seen.contains("u1"));
  EXPECT_TRUE(seen.contains("u3"));
  list();
  EXPECT_EQ(counts(), std::make_pair(size_t(0), size_t(2)));
}

TEST_F(LinuxRuntimeTest, InspectOfAnUnknownSandboxIsEmpty) {
  auto r = runtime_->inspect("nosuch");
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->has_value());
}

volatile sig_atomic_t g_usr1 = 0;

TEST_F(LinuxRuntimeTest, SignalReachesTheRecordedProcess) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  g_usr1 = 0;
  auto* old = ::signal(SIGUSR1, [](int) { g_usr1 = 1; });
  auto r = runtime_->signalContainer("u1", "app", SIGUSR1);
  ::signal(SIGUSR1, old);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(g_usr1, 1);
}

TEST_F(LinuxRuntimeTest, SignalToARecycledPidIsRefused) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_ + 1);
  g_usr1 = 0;
  auto* old = ::signal(SIGUSR1, [](int) { g_usr1 = 1; });
  auto r = runtime_->signalContainer("u1", "app", SIGUSR1);
  ::signal(SIGUSR1, old);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ESRCH);
  EXPECT_EQ(g_usr1, 0);
}

TEST_F(LinuxRuntimeTest, ShimPidfdIsOpenedForALiveShim) {
  writeSandbox("u1");
  writeContainer("u1", "app", selfStart_);
  auto fd = runtime_->openShimPidfd("u1", "app");
  ASSERT_TRUE(fd.has_value()) << fd.error().message;
  EXPECT_GE(*fd, 0);
  ::close(*fd);
}

TEST_F(LinuxRuntimeTest, EmptyOrEscapingCgroupPathsAreNeverKilled) {
  writeSandbox("u1");
  const auto paths = runtime_->layout().container("u1", "app");
  fs::create_directories(paths.dir);
  ContainerRecord r;
  r.cgroupPath = "";  // would be the root of every hierarchy
  r.shimPid = r.pid = 1;
  ASSERT_TRUE(writeFileAtomic(paths.state(), encodeContainerRecord(r)));
  EXPECT_CALL(cgroups_, killAll(_)).Times(0);
  EXPECT_CALL(cgroups_, remove(_)).Times(0);
  EXPECT_FALSE(runtime_->killContainer("u1", "app").has_value());
  auto s = spec("u1", "other");
  s.cgroupPath = "pk/../../system.slice";
  EXPECT_FALSE(runtime_->startContainer(s).has_value());
}

TEST_F(LinuxRuntimeTest, NamesThatLeaveTheStateDirectoryAreRefused) {
  EXPECT_FALSE(runtime_->removeContainer("..", "app").has_value());
  EXPECT_FALSE(runtime_->removeContainer("u1", "../x").has_value());
  EXPECT_FALSE(runtime_->removeSandbox("a/b").has_value());
}

}  // namespace
}  // namespace podkeeper::runtime::testing
