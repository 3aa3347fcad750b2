#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "runtime/sys/atomic_file.h"
#include "runtime/sys/proc.h"
#include "runtime_fixture.h"
#include "tests/support/wait_for.h"

namespace podkeeper::runtime::testing {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class SharedPidNamespace : public RuntimeFixture {
 protected:
  SandboxSpec makeSharedSandbox(const std::string& uid) {
    auto sb = sandbox(uid);
    sb.shareProcessNamespace = true;
    sandboxes_.push_back(uid);
    auto r = runtime_->ensureSandbox(sb);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return sb;
  }
  // The reaper's host pid, from its record.
  pid_t reaperPid(const std::string& uid) {
    const auto text = readFileOr(runtime_->layout().reaperFile(uid));
    const auto at = text.find("\"pid\":");
    return at == std::string::npos ? 0 : std::stoi(text.substr(at + 6));
  }
  std::string exec(const std::string& uid, const std::string& name, const std::string& script) {
    auto r = runtime_->execInContainer(uid, name, {"sh", "-c", script}, 5000);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r ? r->output : "";
  }
};

TEST_F(SharedPidNamespace, ContainersSeeEachOtherAndTheReaperIsPid1) {
  const auto sb = makeSharedSandbox("spn");
  const auto a = start(container(sb, "a", {"sleep", "31"}));
  const auto b = start(container(sb, "b", {"sleep", "32"}));
  EXPECT_EQ(nsInode(a.pid, "pid"), nsInode(b.pid, "pid"));
  EXPECT_NE(nsInode(a.pid, "pid"), nsInode(::getpid(), "pid"));
  const auto out = exec(sb.uid, "b", "cat /proc/1/comm; cat /proc/*/cmdline | tr '\\0' ' '");
  EXPECT_TRUE(contains(out, "pk-pid-reaper\n")) << out;
  EXPECT_TRUE(contains(out, "sleep 31")) << out;
  EXPECT_TRUE(contains(out, "sleep 32")) << out;
  EXPECT_EQ(nsInode(reaperPid(sb.uid), "pid"), nsInode(a.pid, "pid"));
}

TEST_F(SharedPidNamespace, FirstContainerEndingLeavesTheOthersRunning) {
  const auto sb = makeSharedSandbox("spnfirst");
  start(container(sb, "first", {"sleep", "30"}));
  const auto second = start(container(sb, "second", {"sleep", "30"}));
  ASSERT_TRUE(runtime_->killContainer(sb.uid, "first").has_value());
  ASSERT_TRUE(waitForExit(sb.uid, "first").has_value());
  EXPECT_TRUE(observe(sb.uid, "second").running);
  ASSERT_TRUE(runtime_->removeContainer(sb.uid, "first").has_value());
  const auto again = start(container(sb, "first", {"sleep", "33"}));
  EXPECT_EQ(nsInode(again.pid, "pid"), nsInode(second.pid, "pid"));
}

TEST_F(SharedPidNamespace, OrphansAreReapedByTheReaper) {
  const auto sb = makeSharedSandbox("spnorphan");
  const auto spec = container(sb, "app", {"sh", "-c", "(sleep 0.2 &) ; sleep 30"});
  start(spec);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  // The orphaned sleep went to PID 1 and was reaped there: no zombie is left.
  const auto out = exec(sb.uid, "app", "grep -l '^State:.*Z' /proc/[0-9]*/status | wc -l");
  EXPECT_TRUE(contains(out, "0\n")) << out;
}

TEST_F(SharedPidNamespace, AnotherRuntimeInstanceAdoptsTheReaper) {
  const auto sb = makeSharedSandbox("spnadopt");
  const auto app = start(container(sb, "app", {"sleep", "30"}));
  const pid_t reaper = reaperPid(sb.uid);
  ASSERT_GT(reaper, 0);
  // As after an agent restart: a new runtime on the same state directory.
  RuntimeConfig cfg;
  cfg.stateDir = stateDir();
  cfg.rootDir = rootDir();
  cfg.shimPath = PK_SHIM_PATH;
  cfg.cgroupRoot = cgroupRoot();
  cfg.cgroupConfig = cgroupConfig();
  runtime_ = std::make_unique<LinuxRuntime>(cfg, *cgroups_);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  EXPECT_EQ(reaperPid(sb.uid), reaper);
  EXPECT_TRUE(observe(sb.uid, "app").running);
  const auto later = start(container(sb, "later", {"sleep", "30"}));
  EXPECT_EQ(nsInode(later.pid, "pid"), nsInode(app.pid, "pid"));
}

TEST_F(SharedPidNamespace, ADeadReaperIsReplacedOnTheNextEnsure) {
  const auto sb = makeSharedSandbox("spndead");
  const pid_t reaper = reaperPid(sb.uid);
  ASSERT_EQ(::kill(reaper, SIGKILL), 0);
  support::waitFor([&] { return ::kill(reaper, 0) != 0; }, std::chrono::seconds(1),
                   std::chrono::milliseconds(10));
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  EXPECT_NE(reaperPid(sb.uid), reaper);
  const auto app = start(container(sb, "app", {"sleep", "30"}));
  EXPECT_EQ(nsInode(app.pid, "pid"), nsInode(reaperPid(sb.uid), "pid"));
}

TEST_F(SharedPidNamespace, RemovingTheSandboxEndsTheReaper) {
  const auto sb = makeSharedSandbox("spnrm");
  start(container(sb, "app", {"sleep", "30"}));
  const pid_t reaper = reaperPid(sb.uid);
  auto startTime = readProcStartTime(reaper);
  ASSERT_TRUE(startTime.has_value());
  ASSERT_TRUE(runtime_->removeSandbox(sb.uid).has_value());
  EXPECT_FALSE(processAlive(reaper, *startTime));
  EXPECT_FALSE(std::filesystem::exists(runtime_->layout().podDir(sb.uid)));
}

}  // namespace
}  // namespace podkeeper::runtime::testing

namespace podkeeper::runtime::testing {
namespace {

// The reaper seen by a hostile neighbour: a container of the pod with CAP_SYS_PTRACE, which
// passes the kernel's ptrace access checks on the reaper, so only what the reaper holds
// protects the host.
class ReaperSeenFromAPtraceContainer : public SharedPidNamespace {
 protected:
  void SetUp() override {
    SharedPidNamespace::SetUp();
    if (IsSkipped()) return;
    const auto sb = makeSharedSandbox("spnhostile");
    auto spec = container(sb, "hostile", {"sleep", "30"});
    spec.capAdd = {"SYS_PTRACE"};
    spec.mounts.push_back({PK_EXE_PROBE, "", "/usr/local/bin/exe_probe", true});
    start(spec);
    uid_ = sb.uid;
  }
  std::string inHostile(const std::string& script) { return exec(uid_, "hostile", script); }
  // "<what>=<answer>" of exe_probe on the reaper's /proc/1/exe.
  std::string probe(const std::string& what) {
    const auto out = inHostile("exe_probe /proc/1/exe");
    const auto at = out.find(what + "=");
    if (at == std::string::npos) return "<no answer in: " + out + ">";
    const auto end = out.find('\n', at);
    return out.substr(at + what.size() + 1, end - at - what.size() - 1);
  }

  std::string uid_;
};

TEST_F(ReaperSeenFromAPtraceContainer, RootIsAnEmptyDirectory) {
  EXPECT_EQ(inHostile("ls -A /proc/1/root/ && echo listed"), "listed\n");
}

TEST_F(ReaperSeenFromAPtraceContainer, CwdIsAnEmptyDirectory) {
  EXPECT_EQ(inHostile("ls -A /proc/1/cwd/ && echo listed"), "listed\n");
}

TEST_F(ReaperSeenFromAPtraceContainer, HoldsNoCapabilityInAnySet) {
  EXPECT_EQ(inHostile("grep ^Cap /proc/1/status"),
            "CapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
            "CapBnd:\t0000000000000000\nCapAmb:\t0000000000000000\n");
}

TEST_F(ReaperSeenFromAPtraceContainer, HasNoNewPrivs) {
  EXPECT_EQ(inHostile("grep NoNewPrivs /proc/1/status"), "NoNewPrivs:\t1\n");
}

TEST_F(ReaperSeenFromAPtraceContainer, HoldsNoDescriptor) {
  EXPECT_EQ(inHostile("ls /proc/1/fd/ && echo listed"), "listed\n");
}

TEST_F(ReaperSeenFromAPtraceContainer, ExeDoesNotNameTheHostBinary) {
  EXPECT_TRUE(probe("readlink").starts_with("/memfd:podkeeper-shim")) << probe("readlink");
}

TEST_F(ReaperSeenFromAPtraceContainer, ExeDoesNotLeadToTheHostBinary) {
  struct stat host {};
  ASSERT_EQ(::stat(PK_SHIM_PATH, &host), 0);
  const std::string hostInode = std::to_string(host.st_dev) + ":" + std::to_string(host.st_ino);
  const auto reached = probe("inode");
  EXPECT_NE(reached, hostInode);
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(reached[0]))) << reached;
}

TEST_F(ReaperSeenFromAPtraceContainer, ExeCannotBeWritten) { EXPECT_NE(probe("writable"), "yes"); }

TEST_F(ReaperSeenFromAPtraceContainer, ExeIsSealedAgainstWritingAndResizing) {
  EXPECT_EQ(probe("seals"), "f");  // F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE
}

}  // namespace
}  // namespace podkeeper::runtime::testing
