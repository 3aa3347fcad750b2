#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "runtime/seccomp/seccomp_compile.h"
#include "runtime/seccomp/seccomp_default.h"
#include "runtime/seccomp/seccomp_filter.h"
#include "runtime/sys/capabilities.h"
#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;
using Kind = SeccompSpec::Kind;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// "name=ERRNO" lines (of a CRI log or plain output) -> name -> ERRNO.
std::map<std::string, std::string> probeAnswers(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const auto space = line.rfind(' ', eq);
    out[line.substr(space == std::string::npos ? 0 : space + 1, eq - space - 1)] =
        line.substr(eq + 1);
  }
  return out;
}

class Seccomp : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    profileRoot_ = tempRoot() + "/seccomp-" + std::to_string(::getpid());
    fs::create_directories(profileRoot_);
  }
  void TearDown() override {
    RuntimeFixture::TearDown();
    fs::remove_all(profileRoot_);
  }

  // A container running the probe (mounted in read-only) for the given calls.
  ContainerSpec probe(const SandboxSpec& sb, const std::string& name,
                      const std::vector<std::string>& calls) {
    std::vector<std::string> argv = {"/usr/local/bin/seccomp_probe"};
    argv.insert(argv.end(), calls.begin(), calls.end());
    auto spec = container(sb, name, argv);
    spec.mounts.push_back({PK_SECCOMP_PROBE, "", "/usr/local/bin/seccomp_probe", true});
    return spec;
  }

  std::map<std::string, std::string> runProbe(const ContainerSpec& spec) {
    start(spec);
    const auto exit = waitForExit(spec.sandboxUid, spec.name);
    EXPECT_TRUE(exit.has_value());
    return probeAnswers(readFileOr(spec.logPath));
  }

  std::string runToExit(const ContainerSpec& spec) {
    start(spec);
    const auto exit = waitForExit(spec.sandboxUid, spec.name);
    EXPECT_TRUE(exit.has_value());
    if (exit) {
      EXPECT_EQ(exit->exitCode, 0) << readFileOr(spec.logPath);
    }
    return readFileOr(spec.logPath);
  }

  SeccompSpec localhost(const std::string& file, const std::string& json) {
    if (!json.empty()) {
      fs::create_directories(fs::path(profileRoot_ + "/" + file).parent_path());
      std::ofstream(profileRoot_ + "/" + file) << json;
    }
    return {Kind::Localhost, profileRoot_, file};
  }

  std::string profileRoot_;
};

const std::vector<std::string> kRefusedCalls = {
    "mount",       "umount2",      "unshare",       "setns",         "kexec_load", "bpf",
    "init_module", "finit_module", "delete_module", "clock_settime", "keyctl",     "add_key",
    "request_key", "pivot_root",   "clone_newuser", "personality"};

TEST_F(Seccomp, RuntimeDefaultRefusesPrivilegedCallsWithEperm) {
  const auto sb = makeSandbox("scdef");
  auto spec = probe(sb, "app", kRefusedCalls);
  spec.seccomp.kind = Kind::RuntimeDefault;
  const auto answers = runProbe(spec);
  for (const auto& call : kRefusedCalls)
    EXPECT_EQ(answers.count(call) ? answers.at(call) : "<none>", "EPERM") << call;
}

TEST_F(Seccomp, UnconfinedContainerGetsTheKernelsOwnAnswers) {
  // The control for the test above: without the filter the same calls fail otherwise (or
  // work), so the EPERMs there are the filter's.
  const auto sb = makeSandbox("scnone");
  const auto answers = runProbe(probe(sb, "app",
                                      {"mount", "unshare", "setns", "clock_settime", "keyctl",
                                       "add_key", "clone_newuser", "personality", "clone3"}));
  EXPECT_EQ(answers.at("mount"), "EFAULT");
  EXPECT_EQ(answers.at("unshare"), "EINVAL");
  EXPECT_EQ(answers.at("setns"), "EBADF");
  EXPECT_EQ(answers.at("clock_settime"), "EFAULT");
  EXPECT_NE(answers.at("keyctl"), "EPERM");
  EXPECT_EQ(answers.at("add_key"), "EFAULT");
  EXPECT_EQ(answers.at("clone_newuser"), "ok");
  EXPECT_EQ(answers.at("personality"), "ok");
  EXPECT_EQ(answers.at("clone3"), "EINVAL");  // size 0
}

TEST_F(Seccomp, RuntimeDefaultMakesClone3FailWithEnosysForTheLibcFallback) {
  const auto sb = makeSandbox("scclone3");
  auto spec = probe(sb, "app", {"clone3"});
  spec.seccomp.kind = Kind::RuntimeDefault;
  EXPECT_EQ(runProbe(spec).at("clone3"), "ENOSYS");
}

TEST_F(Seccomp, RuntimeDefaultWithSysAdminLeavesMountAndUnshareToTheKernel) {
  const auto sb = makeSandbox("scadmin");
  auto spec = probe(sb, "app", {"mount", "unshare", "setns", "clone3", "keyctl", "pivot_root"});
  spec.seccomp.kind = Kind::RuntimeDefault;
  spec.capAdd = {"SYS_ADMIN"};
  const auto answers = runProbe(spec);
  EXPECT_EQ(answers.at("mount"), "EFAULT");
  EXPECT_EQ(answers.at("unshare"), "EINVAL");
  EXPECT_EQ(answers.at("setns"), "EBADF");
  EXPECT_EQ(answers.at("clone3"), "EINVAL");  // size 0
  // Never allowed, whatever the capabilities.
  EXPECT_EQ(answers.at("keyctl"), "EPERM");
  EXPECT_EQ(answers.at("pivot_root"), "EPERM");
}

TEST_F(Seccomp, RuntimeDefaultRunsOrdinaryWork) {
  const auto sb = makeSandbox("scwork");
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "echo hello > /tmp/f && cat /tmp/f && ls / > /dev/null && mkdir /tmp/d "
                         "&& sleep 0.1 && (echo sub; true) | cat && echo done"});
  spec.seccomp.kind = Kind::RuntimeDefault;
  const auto log = runToExit(spec);
  EXPECT_TRUE(contains(log, "F hello\n")) << log;
  EXPECT_TRUE(contains(log, "F sub\n")) << log;
  EXPECT_TRUE(contains(log, "F done\n")) << log;
}

TEST_F(Seccomp, StatusShowsFilterModeForRuntimeDefaultAndNoneForUnconfined) {
  const auto sb = makeSandbox("scstatus");
  auto confined = container(sb, "confined", {"grep", "Seccomp:", "/proc/self/status"});
  confined.seccomp.kind = Kind::RuntimeDefault;
  auto unconfined = container(sb, "unconfined", {"grep", "Seccomp:", "/proc/self/status"});
  EXPECT_TRUE(contains(runToExit(confined), "Seccomp:\t2")) << readFileOr(confined.logPath);
  EXPECT_TRUE(contains(runToExit(unconfined), "Seccomp:\t0")) << readFileOr(unconfined.logPath);
}

TEST_F(Seccomp, PrivilegedContainerGetsNoFilterAsWithContainerd) {
  const auto sb = makeSandbox("scpriv");
  auto spec = container(sb, "app", {"grep", "Seccomp:", "/proc/self/status"});
  spec.seccomp.kind = Kind::RuntimeDefault;
  spec.privileged = true;
  EXPECT_TRUE(contains(runToExit(spec), "Seccomp:\t0")) << readFileOr(spec.logPath);
}

TEST_F(Seccomp, FilterLoadsWithPrivilegeEscalationAllowedAndForNonRootUsers) {
  const auto sb = makeSandbox("scorder");
  // Without no_new_privs the filter is loaded while the init still holds CAP_SYS_ADMIN; with
  // it, last. Both for root and for a user that loses every capability at exec.
  int n = 0;
  for (bool escalation : {true, false}) {
    for (std::optional<int64_t> user : {std::optional<int64_t>(), std::optional<int64_t>(1000)}) {
      auto spec = container(sb, "c" + std::to_string(n++),
                            {"sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status"});
      spec.seccomp.kind = Kind::RuntimeDefault;
      spec.allowPrivilegeEscalation = escalation;
      spec.runAsUser = user;
      const auto log = runToExit(spec);
      EXPECT_TRUE(contains(log, "Seccomp:\t2")) << spec.name << "\n" << log;
      EXPECT_TRUE(contains(log, escalation ? "NoNewPrivs:\t0" : "NoNewPrivs:\t1")) << log;
    }
  }
}

TEST_F(Seccomp, LocalhostProfileRefusesMkdirWithItsErrno) {
  const auto sb = makeSandbox("sclocal");
  auto spec = container(sb, "app",
                        {"sh", "-c",
                         "mkdir /tmp/d 2>&1 || echo mkdir-refused; touch /tmp/f && echo "
                         "touch-ok"});
  spec.seccomp = localhost("profiles/no-mkdir.json", R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]
  })");
  const auto log = runToExit(spec);
  EXPECT_TRUE(contains(log, "Permission denied")) << log;  // EACCES, the profile's errnoRet
  EXPECT_TRUE(contains(log, "F mkdir-refused\n")) << log;
  EXPECT_TRUE(contains(log, "F touch-ok\n")) << log;
}

TEST_F(Seccomp, ExecIntoAConfinedContainerIsFilteredToo) {
  const auto sb = makeSandbox("scexec");
  auto spec = container(sb, "app", {"sleep", "30"});
  spec.seccomp = localhost("no-mkdir.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})");
  start(spec);
  auto r = runtime_->execInContainer(
      sb.uid, "app",
      {"sh", "-c", "grep Seccomp: /proc/self/status; mkdir /tmp/x || echo mkdir-refused"}, 5000);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(contains(r->output, "Seccomp:\t2")) << r->output;
  EXPECT_TRUE(contains(r->output, "mkdir-refused")) << r->output;
}

// A Localhost profile that cannot be used: the start fails naming the file and the problem,
// and nothing of the container is left behind.
void expectRefused(LinuxRuntime& rt, const ContainerSpec& spec, const std::string& message) {
  auto r = rt.startContainer(spec);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, message)) << r.error().message;
  EXPECT_FALSE(fs::exists(rt.layout().container(spec.sandboxUid, spec.name).dir));
}

TEST_F(Seccomp, LocalhostProfileThatIsMissingIsRefusedNamingTheFile) {
  const auto sb = makeSandbox("scmissing");
  auto spec = container(sb, "app", {"true"});
  spec.seccomp = localhost("absent.json", "");
  expectRefused(*runtime_, spec, profileRoot_ + "/absent.json: No such file or directory");
}

TEST_F(Seccomp, LocalhostProfileEscapingTheRootIsRefused) {
  const auto sb = makeSandbox("scescape");
  fs::create_symlink("/etc/hostname", profileRoot_ + "/link.json");
  auto spec = container(sb, "app", {"true"});
  spec.seccomp = localhost("link.json", "");
  expectRefused(*runtime_, spec, "link.json: leaves " + profileRoot_);
  spec.seccomp = localhost("../outside.json", "");
  expectRefused(*runtime_, spec, "leaves " + profileRoot_);
}

TEST_F(Seccomp, LocalhostProfileWithBadJsonIsRefusedNamingFieldAndValue) {
  const auto sb = makeSandbox("scbad");
  auto spec = container(sb, "app", {"true"});
  spec.seccomp = localhost("broken.json", "{\"defaultAction\": ");
  expectRefused(*runtime_, spec, "broken.json: not valid JSON");
  spec.seccomp = localhost("action.json", R"({"defaultAction": "SCMP_ACT_MAYBE"})");
  expectRefused(*runtime_, spec,
                "action.json: field defaultAction: unknown action \"SCMP_ACT_MAYBE\"");
  spec.seccomp = localhost("name.json", R"({"defaultAction": "SCMP_ACT_ALLOW",
    "syscalls": [{"names": ["read", "mkdri"], "action": "SCMP_ACT_ERRNO"}]})");
  expectRefused(*runtime_, spec,
                "name.json: field syscalls[0].names[1]: unknown syscall \"mkdri\"");
}

// The RuntimeDefault program decides for calls the kernel refuses an unprivileged container
// anyway: loaded into a root process (which the kernel would let through), it still refuses.
std::map<std::string, std::string> probeAsRoot(const std::vector<sock_filter>* program,
                                               const std::vector<std::string>& calls) {
  int fds[2];
  EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(fds[1], 1);
    if (program) {
      ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
      if (!loadSeccompProgram(*program)) ::_exit(100);
    }
    std::vector<char*> argv = {const_cast<char*>(PK_SECCOMP_PROBE)};
    for (const auto& c : calls) argv.push_back(const_cast<char*>(c.c_str()));
    argv.push_back(nullptr);
    ::execv(PK_SECCOMP_PROBE, argv.data());
    ::_exit(101);
  }
  ::close(fds[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, n);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  return probeAnswers(out);
}

TEST(SeccompProgram, RuntimeDefaultRefusesKexecModulesBpfAndPivotRootEvenToRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root for the control run";
  const std::vector<std::string> calls = {
      "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
      "bpf",        "pivot_root",      "mount",       "unshare",      "settimeofday"};
  auto caps = capabilityMask(defaultCapabilities());
  ASSERT_TRUE(caps.has_value());
  auto program = compileSeccompProfile(runtimeDefaultSeccompProfile(*caps), "RuntimeDefault",
                                       {.skipUnknownSyscalls = true});
  ASSERT_TRUE(program.has_value()) << program.error().message;
  const auto control = probeAsRoot(nullptr, calls);
  const auto filtered = probeAsRoot(&*program, calls);
  for (const auto& call : calls) {
    ASSERT_TRUE(control.count(call) && filtered.count(call)) << call;
    EXPECT_NE(control.at(call), "EPERM") << call << ": root gets EPERM here even unfiltered";
    EXPECT_EQ(filtered.at(call), "EPERM") << call;
  }
}

}  // namespace
}  // namespace podkeeper::runtime::testing
