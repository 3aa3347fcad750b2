// Issue 10 item 5: containers get CAP_MKNOD, so only the device cgroup keeps them from
// opening host devices. Root and the real kernel required.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <string>

#include "runtime/cgroup/device_rules.h"
#include "runtime_fixture.h"
#include "unified_tree.h"

namespace podkeeper::runtime::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The log of a script that made a device node and tried to open it: made, open refused.
void expectMadeButNotOpened(const std::string& log) {
  EXPECT_TRUE(contains(log, "F mknod=ok\n")) << log;
  EXPECT_TRUE(contains(log, "Operation not permitted")) << log;
  EXPECT_FALSE(contains(log, "F open=ok\n")) << log;
}

class ContainerDevices : public RuntimeFixture {
 protected:
  // The v1 devices.list of a container's cgroup; skips on a host without v1 devices.
  std::string devicesList(const SandboxSpec& sb, const std::string& name) {
    return readFileOr("/sys/fs/cgroup/devices/" + sb.cgroupParent + "/" + name + "/devices.list",
                      "<absent>");
  }
  bool hasV1Devices() const { return cgroups_->mode() != cgroup::Mode::V2; }
  // Runs `script` in a new container of a new pod and returns its log once it exited.
  std::string run(const std::string& uid, const std::string& script, bool privileged = false) {
    const auto sb = makeSandbox(uid);
    auto spec = container(sb, "app", {"sh", "-c", script});
    spec.privileged = privileged;
    start(spec);
    EXPECT_TRUE(waitForExit(sb.uid, "app").has_value());
    return readFileOr(spec.logPath);
  }
};

TEST_F(ContainerDevices, DevicesListIsTheDefaultAllowlist) {
  if (!hasV1Devices()) GTEST_SKIP() << "no v1 devices controller";
  const auto sb = makeSandbox("devlist");
  start(container(sb, "app", {"sleep", "30"}));
  std::string expected;
  for (const auto& r : cgroup::defaultDeviceRules()) expected += cgroup::v1DeviceLine(r) + "\n";
  EXPECT_EQ(devicesList(sb, "app"), expected);
}

TEST_F(ContainerDevices, PrivilegedDevicesListAllowsEverything) {
  if (!hasV1Devices()) GTEST_SKIP() << "no v1 devices controller";
  const auto sb = makeSandbox("devpriv");
  auto spec = container(sb, "app", {"sleep", "30"});
  spec.privileged = true;
  start(spec);
  EXPECT_EQ(devicesList(sb, "app"), "a *:* rwm\n");
}

TEST_F(ContainerDevices, ACharDeviceOutsideTheListCanBeMadeButNotOpened) {
  // /dev/fuse: any root process may open it, so only the device cgroup can refuse.
  const auto log = run("devfuse",
                       "mknod /dev/pk-fuse c 10 229 && echo mknod=ok; "
                       "(exec 3<>/dev/pk-fuse) 2>&1 && echo open=ok");
  expectMadeButNotOpened(log);
}

TEST_F(ContainerDevices, TheHostDiskCanBeMadeButNotOpened) {
  // This VM refuses the open even on the host, even for root: on a normal host it is the device
  // cgroup's refusal; DevicesListIsTheDefaultAllowlist checks the rule itself.
  struct stat root {};
  ASSERT_EQ(::stat("/", &root), 0);
  const std::string majMin =
      std::to_string(major(root.st_dev)) + " " + std::to_string(minor(root.st_dev));
  const auto log =
      run("devdisk", "mknod /dev/pk-disk b " + majMin +
                         " && echo mknod=ok; (exec 3</dev/pk-disk) 2>&1 && echo open=ok");
  expectMadeButNotOpened(log);
}

TEST_F(ContainerDevices, StandardDevicesOpenForReadAndWrite) {
  const auto log = run("devstd",
                       "for d in null zero full random urandom ptmx; do "
                       "(exec 3<>/dev/$d) && echo ok=$d; done; head -c 4 /dev/urandom | wc -c");
  for (const char* d : {"null", "zero", "full", "random", "urandom", "ptmx"}) {
    EXPECT_TRUE(contains(log, std::string("F ok=") + d + "\n")) << d << "\n" << log;
  }
  EXPECT_TRUE(contains(log, "F 4\n")) << log;
}

TEST_F(ContainerDevices, ExecCannotOpenADeviceOutsideTheList) {
  const auto sb = makeSandbox("devexec");
  const auto spec =
      container(sb, "app", {"sh", "-c", "mknod /dev/pk-fuse c 10 229; echo made; exec sleep 30"});
  start(spec);
  waitForLog(spec, [](const std::string& l) { return contains(l, "F made\n"); });
  auto r = runtime_->execInContainer(
      sb.uid, "app", {"sh", "-c", "(exec 3<>/dev/pk-fuse) 2>&1 && echo open=ok"}, 5000);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(contains(r->output, "Operation not permitted")) << r->output;
}

TEST_F(ContainerDevices, PrivilegedContainerOpensADeviceOutsideTheList) {
  const auto log =
      run("devprivopen", "mknod /dev/pk-fuse c 10 229 && (exec 3<>/dev/pk-fuse) && echo open=ok",
          /*privileged=*/true);
  EXPECT_TRUE(contains(log, "F open=ok\n")) << log;
}

// A container on the cgroup v2 path (only the unified tree, init cloned into its cgroup):
// the BPF device program alone confines it.
class ContainerDevicesOnV2 : public OnUnifiedTree<ContainerDevices> {};

TEST_F(ContainerDevicesOnV2, ACharDeviceOutsideTheListCanBeMadeButNotOpened) {
  const auto log = run("v2fuse",
                       "mknod /dev/pk-fuse c 10 229 && echo mknod=ok; "
                       "(exec 3<>/dev/pk-fuse) 2>&1 && echo open=ok");
  expectMadeButNotOpened(log);
}

TEST_F(ContainerDevicesOnV2, StandardDevicesOpenForReadAndWrite) {
  const auto log = run("v2std",
                       "for d in null zero full random urandom ptmx; do "
                       "(exec 3<>/dev/$d) && echo ok=$d; done");
  for (const char* d : {"null", "zero", "full", "random", "urandom", "ptmx"}) {
    EXPECT_TRUE(contains(log, std::string("F ok=") + d + "\n")) << d << "\n" << log;
  }
}

}  // namespace
}  // namespace podkeeper::runtime::testing
