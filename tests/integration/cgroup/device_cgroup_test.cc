// The device cgroup on this machine's real hierarchies (root required): v1 devices.list
// through the hybrid driver, and the BPF device program in the cgroup2 tree, loaded through
// the kernel's verifier, attached, and tested on a process inside the cgroup.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/process_signaller.h"
#include "runtime/cgroup/select/make_manager.h"
#include "runtime/cgroup/v2/devices_v2.h"
#include "runtime/cgroup/v2/v2_manager.h"
#include "test_support.h"
#include "tests/support/cgroup_tree.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::readFileOrEmpty;

std::string v1Lines(const std::vector<DeviceRule>& rules) {
  std::string out;
  for (const auto& r : rules) out += v1DeviceLine(r) + "\n";
  return out;
}

std::vector<AttachedProgram> programsOf(const std::string& dir) {
  auto d = CgroupDir::open(dir);
  EXPECT_TRUE(d.has_value()) << d.error().message;
  if (!d) return {};
  auto programs = attachedDevicePrograms(*d);
  EXPECT_TRUE(programs.has_value()) << programs.error().message;
  return programs ? *programs : std::vector<AttachedProgram>{};
}

// Forks a child that waits until `place` put it in a cgroup, then opens `path` read-write;
// returns 0 or the errno of that open.
int openErrnoFromCgroup(const std::string& path, const std::function<void(pid_t)>& place) {
  int go[2], result[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(result, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(1);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    const int err = fd >= 0 ? 0 : errno;
    ::_exit(::write(result[1], &err, sizeof(err)) == sizeof(err) ? 0 : 1);
  }
  ::close(go[0]);
  ::close(result[1]);
  place(pid);
  int err = -1;
  if (::write(go[1], "x", 1) != 1 || ::read(result[0], &err, sizeof(err)) != sizeof(err)) err = -1;
  ::close(go[1]);
  ::close(result[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return err;
}

class HybridDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    auto m = makeCgroupManager(CgroupConfig{});
    ASSERT_TRUE(m.has_value()) << m.error().message;
    mgr_ = std::move(*m);
    if (mgr_->mode() != Mode::Hybrid) GTEST_SKIP() << "needs a hybrid cgroup host";
    ASSERT_TRUE(mgr_->create(ctr_).has_value());
  }

  void applyDevices(const std::vector<DeviceRule>& rules) {
    Resources r;
    r.devices = rules;
    auto applied = mgr_->apply(ctr_, r);
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
  }
  std::string devicesList() const {
    return readFileOrEmpty("/sys/fs/cgroup/devices/" + ctr_ + "/devices.list");
  }

  const std::string root_ = testing::uniqueRoot("devices");
  const support::CgroupRootGuard rootGuard_{root_};
  const std::string ctr_ = root_ + "/pod/ctr";
  std::unique_ptr<CgroupManager> mgr_;
};

TEST_F(HybridDevices, DevicesListIsExactlyTheDefaultAllowlist) {
  applyDevices(defaultDeviceRules());
  EXPECT_EQ(devicesList(), v1Lines(defaultDeviceRules()));
}

TEST_F(HybridDevices, PrivilegedDevicesListAllowsEverything) {
  applyDevices(allDevicesRule());
  EXPECT_EQ(devicesList(), "a *:* rwm\n");
}

TEST_F(HybridDevices, ReapplyingReplacesTheListInsteadOfAddingToIt) {
  applyDevices(allDevicesRule());
  applyDevices(defaultDeviceRules());
  EXPECT_EQ(devicesList(), v1Lines(defaultDeviceRules()));
}

TEST_F(HybridDevices, PodCgroupStaysOpen) {
  applyDevices(defaultDeviceRules());
  EXPECT_EQ(readFileOrEmpty("/sys/fs/cgroup/devices/" + root_ + "/pod/devices.list"),
            "a *:* rwm\n");
}

TEST_F(HybridDevices, UnifiedTreeGetsOneDeviceProgramToo) {
  applyDevices(defaultDeviceRules());
  const auto programs = programsOf("/sys/fs/cgroup/unified/" + ctr_);
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].name, kDeviceProgramName);
}

TEST_F(HybridDevices, ApplyWithoutDeviceRulesLeavesTheCgroupOpen) {
  Resources r;
  r.memoryLimitBytes = 64 << 20;
  ASSERT_TRUE(mgr_->apply(ctr_, r).has_value());
  EXPECT_EQ(devicesList(), "a *:* rwm\n");
  EXPECT_TRUE(programsOf("/sys/fs/cgroup/unified/" + ctr_).empty());
}

// The cgroup2 half alone, as on a v2 host: this machine's unified tree has no controller
// enabled, which a device program does not need.
class UnifiedDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(mgr_.create(path_).has_value());
    ASSERT_TRUE(mgr_.create(open_).has_value());
  }

  // A character node of ours for major:minor, as a container with CAP_MKNOD can make one.
  std::string node(unsigned major, unsigned minor) const {
    const std::string path = nodes_.file("c") + std::to_string(major) + "-" + std::to_string(minor);
    EXPECT_EQ(::mknod(path.c_str(), S_IFCHR | 0600, makedev(major, minor)), 0) << path;
    return path;
  }
  int openFrom(const CgroupPath& cgroup, const std::string& path) {
    return openErrnoFromCgroup(path, [&](pid_t pid) {
      auto added = mgr_.addProcess(cgroup, pid);
      EXPECT_TRUE(added.has_value()) << added.error().message;
    });
  }
  std::string dir(const CgroupPath& p) const { return "/sys/fs/cgroup/unified/" + p; }

  const std::string root_ = testing::uniqueRoot("bpf");
  const support::CgroupRootGuard rootGuard_{root_};
  const std::string path_ = root_ + "/ctr";
  const std::string open_ = root_ + "/unconfined";
  V2Manager mgr_{Hierarchy{"/sys/fs/cgroup/unified", "/", {}}, systemSignaller(), {}};
  const support::TempDir nodes_{"pk-devices"};
};

TEST_F(UnifiedDevices, TheVerifierAcceptsTheDefaultProgramAndItIsAttached) {
  ASSERT_TRUE(mgr_.applyDevices(path_, defaultDeviceRules()).has_value());
  const auto programs = programsOf(dir(path_));
  ASSERT_EQ(programs.size(), 1u);
  EXPECT_EQ(programs[0].name, kDeviceProgramName);
}

TEST_F(UnifiedDevices, TheVerifierAcceptsThePrivilegedProgram) {
  auto applied = mgr_.applyDevices(path_, allDevicesRule());
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  EXPECT_EQ(programsOf(dir(path_)).size(), 1u);
}

// The same rules again keep the program attached; other rules replace it; the cgroup always
// holds exactly one program of ours.
TEST_F(UnifiedDevices, ReapplyingKeepsOrReplacesOurOneProgram) {
  const auto applied = [&](const std::vector<DeviceRule>& rules) {
    auto r = mgr_.applyDevices(path_, rules);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    auto programs = programsOf(dir(path_));
    EXPECT_EQ(programs.size(), 1u);
    return programs.empty() ? 0u : programs[0].id;
  };
  const uint32_t first = applied(defaultDeviceRules());
  EXPECT_EQ(applied(defaultDeviceRules()), first);
  const uint32_t privileged = applied(allDevicesRule());
  EXPECT_NE(privileged, first);
  EXPECT_EQ(applied(defaultDeviceRules()), first);  // loaded once, still cached
}

// Every container with the same rules shares one loaded program (the verifier runs once).
TEST_F(UnifiedDevices, CgroupsWithTheSameRulesShareOneLoadedProgram) {
  const std::string other = root_ + "/ctr2";
  ASSERT_TRUE(mgr_.create(other).has_value());
  ASSERT_TRUE(mgr_.applyDevices(path_, defaultDeviceRules()).has_value());
  ASSERT_TRUE(mgr_.applyDevices(other, defaultDeviceRules()).has_value());
  const auto a = programsOf(dir(path_));
  const auto b = programsOf(dir(other));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].id, b[0].id);
  // The shared program confines the second cgroup too (/dev/fuse is not in the list; it
  // opens from a cgroup without the program).
  const std::string fuse = node(10, 229);
  ASSERT_EQ(openFrom(open_, fuse), 0);
  EXPECT_EQ(openFrom(other, fuse), EPERM);
}

TEST_F(UnifiedDevices, ACharDeviceOutsideTheListCannotBeOpenedFromTheCgroup) {
  // /dev/fuse: root opens it without further checks (this kernel has no /dev/mem driver).
  const std::string fuse = node(10, 229);
  // Control: the same node opens from a cgroup without the program, so the EPERM below is
  // the program's doing.
  ASSERT_EQ(openFrom(open_, fuse), 0);
  ASSERT_TRUE(mgr_.applyDevices(path_, defaultDeviceRules()).has_value());
  EXPECT_EQ(openFrom(path_, fuse), EPERM);
}

TEST_F(UnifiedDevices, DevNullOpensFromTheCgroup) {
  ASSERT_TRUE(mgr_.applyDevices(path_, defaultDeviceRules()).has_value());
  EXPECT_EQ(openFrom(path_, node(1, 3)), 0);
}

TEST_F(UnifiedDevices, MknodIsAllowedForAnyBlockDevice) {
  ASSERT_TRUE(mgr_.applyDevices(path_, defaultDeviceRules()).has_value());
  int status = -1;
  const std::string path = nodes_.file("b8-0");
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(2);
    ::_exit(::mknod(path.c_str(), S_IFBLK | 0600, makedev(8, 0)) == 0 ? 0 : 1);
  }
  ::close(go[0]);
  EXPECT_TRUE(mgr_.addProcess(path_, pid).has_value());
  EXPECT_EQ(::write(go[1], "x", 1), 1);
  ::close(go[1]);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(UnifiedDevices, PrivilegedProgramOpensWhatTheDefaultDenies) {
  ASSERT_TRUE(mgr_.applyDevices(path_, allDevicesRule()).has_value());
  EXPECT_EQ(openFrom(path_, node(10, 229)), 0);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
