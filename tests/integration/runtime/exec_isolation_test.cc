#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/exec/container_exec.h"
#include "runtime/exec/exec_target.h"
#include "runtime/sys/sealed_binary.h"
#include "runtime_fixture.h"
#include "tests/support/wait_for.h"

// Every caller of the one join-and-exec path (exec probes on the loop, the blocking exec the
// runtime offers, `podkeeper exec`) gets the container's whole identity and nothing of the
// host: one check per test, each run for every caller, in a pod on the host's ids and again in
// a pod with a user namespace of its own (hostUsers: false).
namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

enum class Caller { Blocking, Started, Attached };

using Param = std::tuple<Caller, bool>;  // the caller; whether the pod has its own user namespace

std::string callerName(const ::testing::TestParamInfo<Param>& info) {
  const std::string userns = std::get<1>(info.param) ? "InAUserNamespace" : "";
  switch (std::get<0>(info.param)) {
    case Caller::Blocking:
      return "ExecInContainer" + userns;
    case Caller::Started:
      return "StartExec" + userns;
    case Caller::Attached:
      return "PodkeeperExec" + userns;
  }
  return "?";
}

class ExecIsolation : public RuntimeFixture, public ::testing::WithParamInterface<Param> {
 protected:
  void SetUp() override {
    hostUsers_ = !std::get<1>(GetParam());
    RuntimeFixture::SetUp();
  }
  // The command's stdout and stderr, or "error: <message>" when it was not started.
  std::string run(const std::string& uid, const std::string& name,
                  const std::vector<std::string>& argv) {
    switch (std::get<0>(GetParam())) {
      case Caller::Blocking: {
        auto r = runtime_->execInContainer(uid, name, argv, 5000);
        return r ? r->output : "error: " + r.error().message;
      }
      case Caller::Started:
        return runStarted(uid, name, argv);
      case Caller::Attached:
        return runAttachedAsTheCliDoes(uid, name, argv);
    }
    return "";
  }

  // As the probe worker does, without the loop: start, read to EOF, finish.
  std::string runStarted(const std::string& uid, const std::string& name,
                         const std::vector<std::string>& argv) {
    auto started = runtime_->startExec(uid, name, argv);
    if (!started) return "error: " + started.error().message;
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(started->output.get(), buf, sizeof buf)) > 0;) {
      out.append(buf, static_cast<size_t>(n));
    }
    auto r = finishExec(*started, out, false);
    return r ? r->output : "error: " + r.error().message;
  }

  // What `podkeeper exec` does: the target through its JSON encoding (as the agent hands it
  // over the socket), joined from a sealed copy of its own, stdout and stderr to a file.
  std::string runAttachedAsTheCliDoes(const std::string& uid, const std::string& name,
                                      const std::vector<std::string>& argv) {
    auto loaded = loadExecTarget(runtime_->layout(), uid, name);
    if (!loaded) return "error: " + loaded.error().message;
    auto target = decodeExecTarget(nlohmann::json::parse(encodeExecTarget(*loaded).dump()), "t");
    if (!target) return "error: " + target.error().message;
    auto shim = SealedBinary::copyOf(PK_SHIM_PATH);
    if (!shim) return "error: " + shim.error().message;
    const std::string outPath = tempRoot() + "/attached-" + std::to_string(::getpid()) + ".out";
    UniqueFd out(::open(outPath.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    auto exit = runAttached(*shim, *target, argv, *cgroups_, {in.get(), out.get(), out.get()});
    const std::string text = readFileOr(outPath);
    fs::remove(outPath);
    if (!exit) return "error: " + exit.error().message;
    if (exit->execError) return "error: " + exit->execError->message;
    return text;
  }

  // Whether the container wrote /<name> (seen in its upper layer) within 5 s.
  bool waitForFileInContainer(const ContainerSpec& spec, const std::string& name) {
    const auto path = runtime_->layout().container(spec.sandboxUid, spec.name).upper() + "/" + name;
    return support::waitFor([&] { return fs::exists(path); }, std::chrono::seconds(5));
  }

  // A sandbox and the spec of its container "app" (sleeps), to adjust and start.
  ContainerSpec app(const std::string& uid) {
    return container(makeSandbox(uid), "app", {"sleep", "30"});
  }
};

INSTANTIATE_TEST_SUITE_P(EveryCaller, ExecIsolation,
                         ::testing::Combine(::testing::Values(Caller::Blocking, Caller::Started,
                                                              Caller::Attached),
                                            ::testing::Bool()),
                         callerName);

TEST_P(ExecIsolation, RunsUnderTheContainersSeccompFilter) {
  auto spec = app("xsec");
  spec.seccomp.kind = SeccompSpec::Kind::RuntimeDefault;
  start(spec);
  const auto out = run(spec.sandboxUid, "app", {"grep", "Seccomp:", "/proc/self/status"});
  EXPECT_EQ(out, "Seccomp:\t2\n");
}

TEST_P(ExecIsolation, RunsAsTheContainersUserAndGroups) {
  auto spec = app("xuser");
  spec.runAsUser = 1000;
  spec.runAsGroup = 2000;
  spec.supplementalGroups = {3000};
  start(spec);
  const auto out =
      run(spec.sandboxUid, "app", {"grep", "-E", "^(Uid|Gid|Groups):", "/proc/self/status"});
  EXPECT_EQ(out,
            "Uid:\t1000\t1000\t1000\t1000\nGid:\t2000\t2000\t2000\t2000\nGroups:\t2000 3000 \n");
}

TEST_P(ExecIsolation, HoldsTheContainersCapabilities) {
  auto spec = app("xcaps");
  spec.capAdd = {"NET_ADMIN"};
  spec.capDrop = {"CHOWN"};
  start(spec);
  const auto out = run(spec.sandboxUid, "app", {"grep", "^Cap", "/proc/self/status"});
  // a80425fb - CHOWN (bit 0) + NET_ADMIN (bit 12)
  EXPECT_EQ(out,
            "CapInh:\t0000000000000000\nCapPrm:\t00000000a80435fa\nCapEff:\t00000000a80435fa\n"
            "CapBnd:\t00000000a80435fa\nCapAmb:\t0000000000000000\n");
}

TEST_P(ExecIsolation, HasNoNewPrivs) {
  const auto spec = app("xnnp");
  start(spec);
  EXPECT_EQ(run(spec.sandboxUid, "app", {"grep", "NoNewPrivs:", "/proc/self/status"}),
            "NoNewPrivs:\t1\n");
}

TEST_P(ExecIsolation, AllowPrivilegeEscalationLeavesNoNewPrivsUnset) {
  auto spec = app("xape");
  spec.allowPrivilegeEscalation = true;
  start(spec);
  EXPECT_EQ(run(spec.sandboxUid, "app", {"grep", "NoNewPrivs:", "/proc/self/status"}),
            "NoNewPrivs:\t0\n");
}

TEST_P(ExecIsolation, HasOnlyStdioOpen) {
  const auto spec = app("xfds");
  start(spec);
  // 3 is the directory ls reads.
  EXPECT_EQ(run(spec.sandboxUid, "app", {"ls", "/proc/self/fd"}), "0\n1\n2\n3\n");
}

// CVE-2024-21626: the container points its working directory at a descriptor number the
// runtime holds on a host directory (as the agent holds cgroup directories).
TEST_P(ExecIsolation, WorkingDirThroughAnInheritedDescriptorIsRefused) {
  const std::string hostDir = tempRoot() + "/host-dir-" + std::to_string(::getpid());
  fs::create_directories(hostDir);
  std::ofstream(hostDir + "/host-marker") << "x";
  UniqueFd held(::open(hostDir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(held.valid());
  auto spec = app("xleak");
  spec.workingDir = "/work";
  spec.argv = {"sh", "-c",
               "rm -rf /work && ln -s /proc/self/fd/" + std::to_string(held.get()) +
                   " /work && touch /ready && sleep 30"};
  start(spec);
  ASSERT_TRUE(waitForFileInContainer(spec, "ready"));
  const auto out = run(spec.sandboxUid, "app", {"ls"});
  fs::remove_all(hostDir);
  EXPECT_TRUE(out.starts_with("error: ") && !contains(out, "host-marker")) << out;
}

// The same through another process's /proc entry: in a shared pid namespace /proc/1/cwd is
// the reaper's, outside the container root (getcwd answers "(unreachable)/"). In a user
// namespace the reaper is the host's root and not even its cwd link may be followed.
TEST_P(ExecIsolation, WorkingDirOutsideTheContainerRootIsRefused) {
  auto sb = sandbox("xcwd");
  sb.shareProcessNamespace = true;
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "rm -rf /work && ln -s /proc/1/cwd /work && touch /ready && "
                         "sleep 30"});
  spec.workingDir = "/work";
  start(spec);
  ASSERT_TRUE(waitForFileInContainer(spec, "ready"));
  const auto out = run(spec.sandboxUid, "app", {"pwd"});
  const bool userNamespace = std::get<1>(GetParam());
  EXPECT_TRUE(userNamespace
                  ? contains(out, "chdir to workingDir \"/work\": Permission denied")
                  : contains(out, "workingDir \"/work\" resolves outside the container root"))
      << out;
}

// The command holds no descriptor of the joiner's either: nothing but stdio, even counting the
// ones the runtime had open when it started the exec.
TEST_P(ExecIsolation, CommandInheritsNoDescriptorOfTheRuntime) {
  UniqueFd held(::open("/", O_RDONLY | O_DIRECTORY));  // not even close-on-exec
  ASSERT_TRUE(held.valid());
  const auto spec = app("xinherit");
  start(spec);
  const std::string fd = "/proc/self/fd/" + std::to_string(held.get());
  EXPECT_EQ(
      run(spec.sandboxUid, "app", {"sh", "-c", "test -e " + fd + " && echo open || echo closed"}),
      "closed\n");
}

// CVE-2019-5736: the joiner, the one process of ours in the container's cgroup while the
// command runs, is exec'd from a sealed copy of the shim, never from the file on the host.
TEST_P(ExecIsolation, JoinerRunsFromASealedCopyOfTheShim) {
  const auto spec = app("xsealed");
  start(spec);
  std::thread exec([&] { (void)run(spec.sandboxUid, "app", {"sleep", "1"}); });
  std::string exe;
  unsigned seals = 0;
  for (int i = 0; i < 80 && exe.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (pid_t pid : cgroups_->pids(cgroupRoot() + "/pod" + spec.sandboxUid + "/app")
                         .value_or(std::vector<pid_t>{})) {
      const std::string link = "/proc/" + std::to_string(pid) + "/exe";
      std::error_code ec;
      const auto target = fs::read_symlink(link, ec).string();
      if (!target.starts_with("/memfd:")) continue;
      exe = target;
      UniqueFd fd(::open(link.c_str(), O_RDONLY | O_CLOEXEC));
      seals = fd.valid() ? fileSeals(fd.get()).value_or(0) : 0;
    }
  }
  exec.join();
  EXPECT_TRUE(exe.starts_with("/memfd:podkeeper-shim")) << exe;
  EXPECT_EQ(seals, kBinarySeals);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
