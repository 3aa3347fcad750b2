#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "runtime/sys/sealed_binary.h"
#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The container init's isolation, in a pod on the host's ids and again in a pod with a user
// namespace of its own (hostUsers: false): inside, both look the same.
class ContainerSecurity : public RuntimeFixture, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    hostUsers_ = !GetParam();
    RuntimeFixture::SetUp();
  }
};

INSTANTIATE_TEST_SUITE_P(HostIdsAndUserNamespace, ContainerSecurity, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "InAUserNamespace" : "OnTheHostsIds";
                         });

TEST_P(ContainerSecurity, DefaultCapabilitiesAndNoNewPrivs) {
  const auto sb = makeSandbox("caps");
  const auto spec =
      container(sb, "app", {"sh", "-c", "grep -E '^(Cap|NoNewPrivs)' /proc/self/status"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  // containerd's default set, as Docker reports it.
  EXPECT_TRUE(contains(log, "CapBnd:\t00000000a80425fb")) << log;
  EXPECT_TRUE(contains(log, "CapEff:\t00000000a80425fb")) << log;
  EXPECT_TRUE(contains(log, "CapInh:\t0000000000000000")) << log;
  EXPECT_TRUE(contains(log, "CapAmb:\t0000000000000000")) << log;
  EXPECT_TRUE(contains(log, "NoNewPrivs:\t1")) << log;
}

TEST_P(ContainerSecurity, CapabilityAddAndDropAreHonoured) {
  const auto sb = makeSandbox("capadd");
  auto spec = container(sb, "app", {"sh", "-c", "grep CapBnd /proc/self/status"});
  spec.capAdd = {"NET_ADMIN"};
  spec.capDrop = {"CAP_CHOWN"};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  // a80425fb - CHOWN (bit 0) + NET_ADMIN (bit 12)
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "CapBnd:\t00000000a80435fa"))
      << readFileOr(spec.logPath);
}

TEST_P(ContainerSecurity, PrivilegedHasEveryCapabilityAndNoMasks) {
  const auto sb = makeSandbox("priv");
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "grep -E '^(CapBnd|NoNewPrivs)' /proc/self/status; "
                         "grep -q ' /proc/keys ' /proc/self/mountinfo && echo keys=masked || "
                         "echo keys=open"});
  spec.privileged = true;
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  // Every capability the runtime itself holds (this machine lacks CAP_SYS_RESOURCE); in a
  // user namespace every capability the kernel has, which count only inside it.
  const auto self = readFileOr("/proc/self/status");
  char all[17];
  ::snprintf(all, sizeof all, "%016llx",
             (2ULL << std::stoi(readFileOr("/proc/sys/kernel/cap_last_cap"))) - 1);
  const auto capPrm = GetParam() ? std::string(all) : self.substr(self.find("CapPrm:\t") + 8, 16);
  EXPECT_TRUE(contains(log, "CapBnd:\t" + capPrm)) << log << "\nruntime holds " << capPrm;
  EXPECT_TRUE(contains(log, "NoNewPrivs:\t0")) << log;
  EXPECT_TRUE(contains(log, "F keys=open\n")) << log;
}

TEST_P(ContainerSecurity, KernelPathsAreMaskedOrReadOnly) {
  const auto sb = makeSandbox("mask");
  const auto spec = container(
      sb, "app",
      {"sh", "-c",
       "echo keys=$(wc -c < /proc/keys); "
       "echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sysctl=rw || echo sysctl=ro; "
       "touch /sys/x 2>/dev/null && echo sys=rw || echo sys=ro; "
       "ls /proc/1/fd | tr '\\n' ' '; echo"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F keys=0\n")) << log;
  EXPECT_TRUE(contains(log, "F sysctl=ro\n")) << log;
  EXPECT_TRUE(contains(log, "F sys=ro\n")) << log;
}

TEST_P(ContainerSecurity, InitHasOnlyStdioOpen) {
  const auto sb = makeSandbox("fds");
  // exec: ls becomes pid 1 and lists its own descriptors (3 is the directory it reads).
  const auto spec = container(sb, "app", {"sh", "-c", "exec ls /proc/self/fd"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F 0\n") && contains(log, "F 1\n") && contains(log, "F 2\n")) << log;
  EXPECT_FALSE(contains(log, "F 4\n")) << log;
  EXPECT_FALSE(contains(log, "F 5\n")) << log;
}

// CVE-2019-5736: the shim runs from a sealed copy, and so does the container's init until its
// exec (a clone of the shim that has not exec'd shares its executable): through
// /proc/<pid>/exe the container reaches that copy, never the file on the host.
TEST_P(ContainerSecurity, ShimAndTheInitBeforeItsExecRunFromASealedCopy) {
  const auto sb = makeSandbox("sealed");
  const auto st = start(container(sb, "app", {"sleep", "30"}));
  const std::string exe = "/proc/" + std::to_string(st.shimPid) + "/exe";
  std::error_code ec;
  EXPECT_TRUE(std::filesystem::read_symlink(exe, ec).string().starts_with("/memfd:podkeeper-shim"))
      << std::filesystem::read_symlink(exe, ec);
  UniqueFd fd(::open(exe.c_str(), O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  EXPECT_EQ(fileSeals(fd.get()).value_or(0), kBinarySeals);
}

TEST_P(ContainerSecurity, DevHasTheStandardDevicesAndLinks) {
  const auto sb = makeSandbox("dev");
  const auto spec = container(
      sb, "app",
      {"sh", "-c",
       "for f in null zero full tty random urandom; do test -c /dev/$f && echo dev=$f; done; "
       "readlink /dev/fd; readlink /dev/ptmx; test -d /dev/pts && test -d /dev/shm && "
       "test -d /dev/mqueue && echo dirs=ok; head -c 4 /dev/zero | wc -c"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  for (const char* d : {"null", "zero", "full", "tty", "random", "urandom"}) {
    EXPECT_TRUE(contains(log, std::string("F dev=") + d + "\n")) << d << "\n" << log;
  }
  EXPECT_TRUE(contains(log, "F /proc/self/fd\n")) << log;
  EXPECT_TRUE(contains(log, "F pts/ptmx\n")) << log;
  EXPECT_TRUE(contains(log, "F dirs=ok\n")) << log;
  EXPECT_TRUE(contains(log, "F 4\n")) << log;
}

TEST_P(ContainerSecurity, WritesStayInTheContainersUpperLayer) {
  const auto sb = makeSandbox("overlay");
  const auto spec = container(sb, "app", {"sh", "-c", "echo hi > /etc/new-file"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  EXPECT_EQ(readFileOr(imageDir() + "/busybox/latest/rootfs/etc/new-file", "<absent>"), "<absent>");
  EXPECT_EQ(readFileOr(runtime_->layout().container(sb.uid, "app").upper() + "/etc/new-file"),
            "hi\n");
}

TEST_P(ContainerSecurity, RunAsUserDropsRootAndItsCapabilities) {
  const auto sb = makeSandbox("user");
  auto spec = container(
      sb, "app", {"sh", "-c", "echo uid=$(id -u) gid=$(id -g); grep CapEff /proc/self/status"});
  spec.runAsUser = 65534;
  spec.runAsGroup = 65534;
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F uid=65534 gid=65534\n")) << log;
  EXPECT_TRUE(contains(log, "CapEff:\t0000000000000000")) << log;
}

TEST_P(ContainerSecurity, MissingWorkingDirIsCreatedInsideTheRoot) {
  const auto sb = makeSandbox("cwd");
  auto spec = container(sb, "app", {"pwd"});
  spec.workingDir = "/srv/app";
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "F /srv/app\n")) << readFileOr(spec.logPath);
}

TEST_P(ContainerSecurity, RaisedOomScoreAdjIsApplied) {
  const auto sb = makeSandbox("oomadj");
  auto spec = container(sb, "app", {"sleep", "30"});
  spec.oomScoreAdj = 1000;  // BestEffort's value; raising needs no privilege
  const auto st = start(spec);
  EXPECT_EQ(readFileOr("/proc/" + std::to_string(st.pid) + "/oom_score_adj"), "1000\n");
}

TEST_P(ContainerSecurity, RefusedOomScoreAdjIsRecordedAndTheContainerRuns) {
  const auto status = readFileOr("/proc/self/status");
  const auto capEff = std::stoull(status.substr(status.find("CapEff:") + 7), nullptr, 16);
  if (capEff & (1ULL << 24)) {
    GTEST_SKIP() << "this machine has CAP_SYS_RESOURCE; lowering the score would succeed";
  }
  const auto sb = makeSandbox("oomneg");
  auto spec = container(sb, "app", {"sleep", "30"});
  spec.oomScoreAdj = -997;  // Guaranteed's value; lowering needs CAP_SYS_RESOURCE
  const auto st = start(spec);
  EXPECT_TRUE(st.running);
  const auto state = readFileOr(runtime_->layout().container(sb.uid, "app").state());
  EXPECT_TRUE(contains(state, "oom_score_adj -997 not applied")) << state;
}

TEST_P(ContainerSecurity, ImageFromARegistryWithAPortRuns) {
  const auto sb = makeSandbox("port");
  const std::string dir = imageDir() + "/localhost:5000/bb/1";
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir + "/rootfs");
  std::filesystem::create_directory_symlink(imageDir() + "/busybox/latest/rootfs", dir + "/rootfs");
  auto spec = container(sb, "app", {"sh", "-c", "echo from-port"});
  spec.resolvedImage = resolveImage("localhost:5000/bb:1");
  start(spec);
  const auto exit = waitForExit(sb.uid, "app");
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->exitCode, 0);
  EXPECT_TRUE(contains(readFileOr(spec.logPath), "F from-port\n"));
}

TEST_P(ContainerSecurity, MemoryLimitOomKillIsRecorded) {
  const auto sb = makeSandbox("oom");
  auto spec = container(sb, "app", {"sh", "-c", "exec tail /dev/zero"});
  spec.resources.memoryLimitBytes = 32 * 1024 * 1024;
  start(spec);
  const auto exit = waitForExit(sb.uid, "app", std::chrono::seconds(20));
  ASSERT_TRUE(exit.has_value());
  EXPECT_TRUE(exit->oomKilled);
  EXPECT_EQ(exit->exitCode, 137);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
