#include <fcntl.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "common/unique_fd.h"
#include "runtime/bundle/shim_launcher.h"
#include "runtime/sys/proc.h"
#include "runtime_fixture.h"
#include "tests/support/wait_for.h"

namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The cgroup path of pid in the hierarchy whose /proc/<pid>/cgroup line has `controllers`
// ("memory", "cpu", "" for the unified tree).
std::string cgroupOf(pid_t pid, const std::string& controllers) {
  std::istringstream in(readFileOr("/proc/" + std::to_string(pid) + "/cgroup"));
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = line.find(':', a + 1);
    const std::string list = line.substr(a + 1, b - a - 1);
    std::istringstream names(list);
    std::string name;
    if (list == controllers) return line.substr(b + 1);
    while (std::getline(names, name, ',')) {
      if (!controllers.empty() && name == controllers) return line.substr(b + 1);
    }
  }
  return "<none>";
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

using Sandbox = RuntimeFixture;

TEST_F(Sandbox, ContainerIsInItsCgroupInEveryHierarchyAndTheShimIsNot) {
  const auto sb = makeSandbox("cg");
  const auto st = start(container(sb, "app", {"sleep", "30"}));
  const std::string expected = "/" + sb.cgroupParent + "/app";
  for (const char* c : {"memory", "cpu", "cpuacct", "pids", "freezer"}) {
    EXPECT_EQ(cgroupOf(st.pid, c), expected) << c;
  }
  EXPECT_EQ(cgroupOf(st.pid, ""), expected) << "unified";
  // The shim leaves the caller's cgroups (so stopping the agent's service does not stop it)
  // in the controller hierarchies and the unified tree, which systemd tracks in hybrid mode.
  EXPECT_EQ(cgroupOf(st.shimPid, "memory"), "/" + cgroupRoot() + "/shims");
  EXPECT_EQ(cgroupOf(st.shimPid, ""), "/" + cgroupRoot() + "/shims");
}

// A start hands its bundle to a shim started ahead of need (ShimStandby): one of those
// waiting in the shims' cgroup becomes the container's shim, holding the bundle's lock; the
// runtime then starts another to wait, and those waiting exit when the runtime goes.
TEST_F(Sandbox, AStartHandsItsBundleToAShimStartedAheadOfIt) {
  const auto shims = [&] {
    auto pids = cgroups_->pids(cgroupRoot() + "/shims");
    std::set<pid_t> out;
    if (pids) out.insert(pids->begin(), pids->end());
    return out;
  };
  const auto sb = makeSandbox("standby");  // asks for the pod's shims
  ASSERT_TRUE(support::waitFor([&] { return shims().size() == 2; }, 5s));
  const auto waiting = shims();
  const auto spec = container(sb, "app", {"sh", "-c", "echo up; sleep 30"});
  const auto st = start(spec);
  ASSERT_TRUE(st.running);
  EXPECT_TRUE(waiting.contains(st.shimPid)) << st.shimPid;
  const std::string bundle = runtime_->layout().container(sb.uid, "app").dir;
  EXPECT_TRUE(shimHoldsBundle(bundle));
  // As ps shows it: the shim of that bundle.
  std::string cmdline = readFileOr("/proc/" + std::to_string(st.shimPid) + "/cmdline");
  std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
  EXPECT_TRUE(contains(cmdline, "podkeeper-shim --bundle " + bundle + " ")) << cmdline;
  waitForLog(spec, [](const std::string& t) { return t.find(" F up") != t.npos; });
  EXPECT_EQ(cgroupOf(st.shimPid, "memory"), "/" + cgroupRoot() + "/shims");
  // Two wait again beside the container's shim.
  ASSERT_TRUE(support::waitFor([&] { return shims().size() == 3; }, 5s));
  std::vector<std::pair<pid_t, uint64_t>> idle;
  for (pid_t pid : shims())
    if (pid != st.shimPid) idle.emplace_back(pid, readProcStartTime(pid).value_or(0));
  ASSERT_EQ(idle.size(), 2u);
  runtime_.reset();  // as when the agent exits: the container runs on, the idle shims go
  for (const auto& [pid, startTime] : idle) EXPECT_FALSE(processAlive(pid, startTime)) << pid;
  EXPECT_TRUE(processAlive(st.shimPid, readProcStartTime(st.shimPid).value_or(0)));
  SetUp();  // a runtime for the teardown's removals
}

// A waiting shim killed before a start needs it (the OOM killer, an operator): the start
// launches a shim of its own, as without one waiting.
TEST_F(Sandbox, AStartWhoseWaitingShimsWereKilledLaunchesOne) {
  const auto shims = [&] {
    auto pids = cgroups_->pids(cgroupRoot() + "/shims");
    return pids ? *pids : std::vector<pid_t>{};
  };
  const auto sb = makeSandbox("standby-killed");
  ASSERT_TRUE(support::waitFor([&] { return shims().size() == 2; }, 5s));
  const auto killed = shims();
  for (pid_t pid : killed) ::kill(pid, SIGKILL);
  ASSERT_TRUE(support::waitFor(
      [&] {
        for (pid_t pid : killed)
          if (processAlive(pid, readProcStartTime(pid).value_or(0))) return false;
        return true;
      },
      5s));
  const auto spec = container(sb, "app", {"sh", "-c", "echo up; sleep 30"});
  const auto st = start(spec);
  ASSERT_TRUE(st.running);
  EXPECT_EQ(std::count(killed.begin(), killed.end(), st.shimPid), 0);
  EXPECT_TRUE(shimHoldsBundle(runtime_->layout().container(sb.uid, "app").dir));
  waitForLog(spec, [](const std::string& t) { return t.find(" F up") != t.npos; });
}

// The init joins the v1 hierarchies itself (pid 0 to `tasks`) after it is cloned into the
// unified tree, and only then makes its cgroup namespace: rooted at its own cgroup in every
// hierarchy.
TEST_F(Sandbox, ContainerCgroupNamespaceIsRootedAtItsCgroupInEveryHierarchy) {
  const auto sb = makeSandbox("cgns");
  auto spec =
      container(sb, "app", {"sh", "-c", "sed 's/^/cg /' /proc/self/cgroup; echo done; sleep 30"});
  const auto st = start(spec);
  ASSERT_TRUE(st.running);
  const auto log =
      waitForLog(spec, [](const std::string& t) { return t.find(" F done") != t.npos; });
  size_t lines = 0;
  std::istringstream in(log);
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find(" F cg ");
    if (at == std::string::npos) continue;
    ++lines;
    EXPECT_TRUE(line.ends_with(":/")) << line;
  }
  EXPECT_GE(lines, 5u) << log;
  EXPECT_EQ(cgroupOf(st.pid, "memory"), "/" + sb.cgroupParent + "/app");
}

TEST_F(Sandbox, ContainerLimitsAreWrittenToTheCgroupFiles) {
  const auto sb = makeSandbox("limits");
  auto spec = container(sb, "app", {"sleep", "30"});
  spec.resources.memoryLimitBytes = 64 * 1024 * 1024;
  spec.resources.cpuQuotaUs = 50000;
  spec.resources.cpuShares = 512;
  start(spec);
  const std::string path = "/" + sb.cgroupParent + "/app/";
  EXPECT_EQ(trim(readFileOr("/sys/fs/cgroup/memory" + path + "memory.limit_in_bytes")), "67108864");
  EXPECT_EQ(trim(readFileOr("/sys/fs/cgroup/cpu" + path + "cpu.cfs_quota_us")), "50000");
  EXPECT_EQ(trim(readFileOr("/sys/fs/cgroup/cpu" + path + "cpu.shares")), "512");
}

TEST_F(Sandbox, ContainerSeesItsOwnLimitsReadOnlyUnderSysFsCgroup) {
  const auto sb = makeSandbox("cgfs");
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "cat /sys/fs/cgroup/memory/memory.limit_in_bytes; "
                         "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us; "
                         "test -f /sys/fs/cgroup/unified/cgroup.procs && echo unified=yes; "
                         "mkdir /sys/fs/cgroup/memory/x 2>/dev/null && echo cg=rw || echo cg=ro; "
                         "awk '$5 ~ /^\\/sys\\/fs\\/cgroup/ {print \"mnt \" $5 \" \" $6}' "
                         "/proc/self/mountinfo"});
  spec.resources.memoryLimitBytes = 48 * 1024 * 1024;
  spec.resources.cpuQuotaUs = 20000;
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, "F 50331648\n")) << log;
  EXPECT_TRUE(contains(log, "F 20000\n")) << log;
  EXPECT_TRUE(contains(log, "F unified=yes\n")) << log;
  EXPECT_TRUE(contains(log, "F cg=ro\n")) << log;
  // Every mount there read-only and nosuid, nodev, noexec: the tmpfs holding the hierarchies
  // too (a remount to read-only that did not give those flags again cleared them).
  size_t mounts = 0;
  for (size_t at = log.find("F mnt "); at != std::string::npos; at = log.find("F mnt ", at + 1)) {
    const std::string line = log.substr(at, log.find('\n', at) - at);
    ++mounts;
    EXPECT_TRUE(contains(line, " ro,nosuid,nodev,noexec")) << line;
  }
  EXPECT_GE(mounts, 2u) << log;
}

TEST_F(Sandbox, ContainersShareThePodsNetUtsIpcNamespacesButNotTheHosts) {
  const auto sb = makeSandbox("share");
  const auto a = start(container(sb, "a", {"sleep", "30"}));
  const auto b = start(container(sb, "b", {"sleep", "30"}));
  for (const char* kind : {"net", "uts", "ipc"}) {
    EXPECT_EQ(nsInode(a.pid, kind), nsInode(b.pid, kind)) << kind;
    EXPECT_NE(nsInode(a.pid, kind), nsInode(::getpid(), kind)) << kind;
  }
  EXPECT_NE(nsInode(a.pid, "pid"), nsInode(b.pid, "pid"));
  EXPECT_NE(nsInode(a.pid, "mnt"), nsInode(b.pid, "mnt"));
}

// hostUsers: false: the pod's user namespace is pinned with the others and owns them; each
// container's init is in it, as the block's first host id, and the blocks differ per pod.
TEST_F(Sandbox, UserNamespacePodsOwnTheirNamespacesAndGetABlockEach) {
  hostUsers_ = false;
  const auto sb = makeSandbox("userns");
  const auto other = makeSandbox("userns2");
  const auto a = start(container(sb, "a", {"sleep", "30"}));
  const auto b = start(container(other, "b", {"sleep", "30"}));
  const std::string nsDir = runtime_->layout().nsDir(sb.uid);
  struct stat user {};
  ASSERT_EQ(::stat((nsDir + "/user").c_str(), &user), 0);
  EXPECT_EQ(nsInode(a.pid, "user"), "user:[" + std::to_string(user.st_ino) + "]");
  EXPECT_NE(nsInode(a.pid, "user"), nsInode(::getpid(), "user"));
  for (const char* kind : {"net", "uts", "ipc"}) {
    UniqueFd pin(::open((nsDir + "/" + kind).c_str(), O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(pin.valid()) << kind;
    UniqueFd owner(::ioctl(pin.get(), NS_GET_USERNS));
    ASSERT_TRUE(owner.valid()) << kind;
    struct stat st {};
    ASSERT_EQ(::fstat(owner.get(), &st), 0);
    EXPECT_EQ(st.st_ino, user.st_ino) << kind << " is not owned by the pod's user namespace";
  }
  const auto uidMap = [](pid_t pid) {
    return trim(readFileOr("/proc/" + std::to_string(pid) + "/uid_map"));
  };
  EXPECT_NE(uidMap(a.pid), uidMap(b.pid));
  const auto status = readFileOr("/proc/" + std::to_string(a.pid) + "/status");
  const auto map = uidMap(a.pid);  // "0 <first> 65536", padded
  std::istringstream fields(map);
  uint64_t inside = 1, first = 0, count = 0;
  fields >> inside >> first >> count;
  EXPECT_EQ(inside, 0u) << map;
  EXPECT_EQ(count, 65536u) << map;
  EXPECT_EQ(first % 65536, 0u) << map;
  EXPECT_TRUE(contains(status, "Uid:\t" + std::to_string(first) + "\t")) << status;
}

TEST_F(Sandbox, EnsureSandboxTwiceKeepsThePinnedNamespaces) {
  const auto sb = makeSandbox("twice");
  const auto a = start(container(sb, "a", {"sleep", "30"}));
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  const auto b = start(container(sb, "b", {"sleep", "30"}));
  EXPECT_EQ(nsInode(a.pid, "net"), nsInode(b.pid, "net"));
}

TEST_F(Sandbox, EnsuredAgainUnderTheSameSpecItsRecordIsKeptAndANewSpecRewritesIt) {
  auto sb = makeSandbox("again");
  const std::string file = runtime_->layout().sandboxFile(sb.uid);
  auto inode = [&] {
    struct stat st {};
    return ::stat(file.c_str(), &st) == 0 ? st.st_ino : 0;
  };
  const auto first = inode();
  ASSERT_NE(first, 0u);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());  // a container restarting in it
  EXPECT_EQ(inode(), first) << "sandbox.json rewritten though nothing changed";
  start(container(sb, "a", {"sleep", "30"}));
  sb.specHash = "changed";
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  EXPECT_NE(inode(), first);
  auto state = runtime_->inspect(sb.uid);
  ASSERT_TRUE(state.has_value() && state->has_value());
  EXPECT_EQ((*state)->specHash, "changed");
}

TEST_F(Sandbox, HostnameAndEtcFilesAreThePods) {
  const auto sb = makeSandbox("host", "my-pod");
  const auto spec = container(sb, "app", {"sh", "-c", "hostname; cat /etc/hostname /etc/hosts"});
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto log = readFileOr(spec.logPath);
  EXPECT_TRUE(contains(log, " stdout F my-pod\n")) << log;
  EXPECT_TRUE(contains(log, " stdout F 127.0.1.1\tmy-pod\n")) << log;
}

TEST_F(Sandbox, RemoveSandboxLeavesNoProcessCgroupMountOrState) {
  const auto sb = makeSandbox("gone");
  const auto a = start(container(sb, "a", {"sleep", "30"}));
  const auto b = start(container(sb, "b", {"sh", "-c", "trap '' TERM; sleep 30"}));
  const auto aStart = readProcStartTime(a.pid), shimStart = readProcStartTime(a.shimPid);
  const auto bStart = readProcStartTime(b.pid);
  ASSERT_TRUE(aStart && shimStart && bStart);

  auto r = runtime_->removeSandbox(sb.uid);
  ASSERT_TRUE(r.has_value()) << r.error().message;

  EXPECT_FALSE(processAlive(a.pid, *aStart));
  EXPECT_FALSE(processAlive(b.pid, *bStart));
  EXPECT_FALSE(processAlive(a.shimPid, *shimStart));
  for (const auto& h : fs::directory_iterator("/sys/fs/cgroup")) {
    EXPECT_FALSE(fs::exists(h.path() / sb.cgroupParent)) << h.path();
  }
  EXPECT_FALSE(contains(readFileOr("/proc/self/mountinfo"), stateDir()));
  EXPECT_FALSE(fs::exists(runtime_->layout().podDir(sb.uid)));
  EXPECT_TRUE(runtime_->removeSandbox(sb.uid).has_value()) << "idempotent";
  auto listed = runtime_->list();
  ASSERT_TRUE(listed.has_value());
  EXPECT_TRUE(listed->empty());
}

TEST_F(Sandbox, ListReportsRunningAndExitedContainers) {
  const auto sb = makeSandbox("list");
  start(container(sb, "run", {"sleep", "30"}));
  start(container(sb, "done", {"sh", "-c", "exit 2"}));
  ASSERT_TRUE(waitForExit(sb.uid, "done").has_value());
  auto all = runtime_->list();
  ASSERT_TRUE(all.has_value()) << all.error().message;
  ASSERT_EQ(all->size(), 1u);
  const auto& s = all->front();
  EXPECT_EQ(s.uid, sb.uid);
  EXPECT_EQ(s.specHash, sb.specHash);
  EXPECT_EQ(s.cgroupParent, sb.cgroupParent);
  ASSERT_EQ(s.containers.size(), 2u);
  EXPECT_EQ(s.containers[0].name, "done");
  EXPECT_FALSE(s.containers[0].running);
  ASSERT_TRUE(s.containers[0].exit.has_value());
  EXPECT_EQ(s.containers[0].exit->exitCode, 2);
  EXPECT_EQ(s.containers[1].name, "run");
  EXPECT_TRUE(s.containers[1].running);
  EXPECT_TRUE(s.containers[1].shimAlive);
  EXPECT_FALSE(s.containers[1].exit.has_value());
  EXPECT_EQ(s.containers[1].image, "busybox");
}

}  // namespace
}  // namespace podkeeper::runtime::testing
