#include "runtime/seccomp/seccomp_profile.h"

#include <gtest/gtest.h>
#include <linux/capability.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "runtime/seccomp/seccomp_compile.h"
#include "runtime/seccomp/seccomp_default.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

std::string errorOf(std::string_view json) {
  auto p = decodeSeccompProfile(json, "p.json");
  return p ? "<decoded>" : p.error().message;
}

TEST(SeccompProfileDecode, ReadsTheOciFields) {
  auto p = decodeSeccompProfile(R"({
    "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
    "architectures": ["SCMP_ARCH_X86_64"],
    "syscalls": [
      {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
      {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "why"}]})",
                                "p.json");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->defaultAction, SeccompAction::Errno);
  EXPECT_EQ(p->defaultErrnoRet, 38u);
  EXPECT_EQ(p->architectures, std::vector<std::string>{"SCMP_ARCH_X86_64"});
  ASSERT_EQ(p->syscalls.size(), 3u);
  EXPECT_EQ(p->syscalls[0].names, (std::vector<std::string>{"read", "write"}));
  EXPECT_EQ(p->syscalls[1].args, (std::vector<SeccompArg>{{0, 8, 0, SeccompOp::Equal}}));
  EXPECT_EQ(p->syscalls[2].errnoRet, 13u);
}

TEST(SeccompProfileDecode, ErrorsNameTheFileFieldAndValue) {
  EXPECT_EQ(errorOf("{"), "p.json: not valid JSON");
  EXPECT_EQ(errorOf("[]"), "p.json: expected a JSON object");
  EXPECT_EQ(errorOf("{}"), "p.json: field defaultAction: missing");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_NOPE"})"),
            "p.json: field defaultAction: unknown action \"SCMP_ACT_NOPE\"");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ALLOW"}, {"names": [], "action": "SCMP_ACT_ALLOW"}]})"),
            "p.json: field syscalls[1].names: expected a non-empty array");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]})"),
            "p.json: field syscalls[0].args[0].index: 7 is not 0-5");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_SIMILAR"}]}]})"),
            "p.json: field syscalls[0].args[0].op: unknown operator \"SCMP_CMP_SIMILAR\"");
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": -1})"),
            "p.json: field defaultErrnoRet: expected a non-negative integer, got -1");
}

TEST(SeccompProfileDecode, DockerConditionsAndNotifyAreRefusedNotIgnored) {
  EXPECT_NE(errorOf(R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["mount"],
            "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}]})")
                .find("p.json: field syscalls[0].includes: Docker's conditional rules"),
            std::string::npos);
  EXPECT_EQ(errorOf(R"({"defaultAction": "SCMP_ACT_NOTIFY"})"),
            "p.json: field defaultAction: \"SCMP_ACT_NOTIFY\" is not supported (no seccomp agent)");
}

TEST(SeccompCompile, UnknownSyscallAndArchitectureAreNamed) {
  SeccompProfile p;
  p.defaultAction = SeccompAction::Allow;
  p.syscalls = {{{"read", "mkdri"}, SeccompAction::Errno, std::nullopt, {}}};
  auto r = compileSeccompProfile(p, "x.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(
      r.error().message.rfind("x.json: field syscalls[0].names[1]: unknown syscall \"mkdri\"", 0),
      0u)
      << r.error().message;
  EXPECT_TRUE(compileSeccompProfile(p, "x.json", {.skipUnknownSyscalls = true}));
  p.syscalls.clear();
  p.architectures = {"SCMP_ARCH_VAX"};
  r = compileSeccompProfile(p, "x.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "x.json: field architectures[0]: unknown architecture \"SCMP_ARCH_VAX\"");
}

TEST(SeccompCompile, ProducesAProgramTheKernelAccepts) {
  auto p = compileSeccompProfile(runtimeDefaultSeccompProfile(0), "default",
                                 {.skipUnknownSyscalls = true});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_GT(p->size(), 100u);
  EXPECT_LE(p->size(), static_cast<size_t>(BPF_MAXINSNS));
}

bool allows(const SeccompProfile& p, const std::string& name) {
  return std::any_of(p.syscalls.begin(), p.syscalls.end(), [&](const SeccompRule& r) {
    return r.action == SeccompAction::Allow && r.args.empty() &&
           std::find(r.names.begin(), r.names.end(), name) != r.names.end();
  });
}

const SeccompRule* ruleFor(const SeccompProfile& p, const std::string& name) {
  for (const auto& r : p.syscalls)
    if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return &r;
  return nullptr;
}

TEST(RuntimeDefaultSeccomp, UnprivilegedContainerLosesNamespaceMountAndKernelCalls) {
  const auto p = runtimeDefaultSeccompProfile(0);
  EXPECT_EQ(p.defaultAction, SeccompAction::Errno);
  EXPECT_EQ(p.defaultErrnoRet, 1u);
  for (const char* refused :
       {"mount", "umount2", "unshare", "setns", "kexec_load", "kexec_file_load", "bpf",
        "init_module", "finit_module", "delete_module", "clock_settime", "settimeofday",
        "pivot_root", "keyctl", "add_key", "request_key", "userfaultfd", "io_uring_setup"}) {
    EXPECT_EQ(ruleFor(p, refused), nullptr) << refused;
  }
  for (const char* allowed : {"read", "execve", "close_range", "ptrace", "adjtimex"}) {
    EXPECT_TRUE(allows(p, allowed)) << allowed;
  }
  const auto* clone = ruleFor(p, "clone");
  ASSERT_NE(clone, nullptr);
  ASSERT_EQ(clone->args.size(), 1u);
  EXPECT_EQ(clone->args[0].op, SeccompOp::MaskedEqual);
  EXPECT_EQ(clone->args[0].valueTwo, 0u);
  EXPECT_NE(clone->args[0].value & 0x10000000u, 0u);  // CLONE_NEWUSER
  const auto* clone3 = ruleFor(p, "clone3");
  ASSERT_NE(clone3, nullptr);
  EXPECT_EQ(clone3->action, SeccompAction::Errno);
  EXPECT_EQ(clone3->errnoRet, 38u);  // ENOSYS
}

TEST(RuntimeDefaultSeccomp, CapabilitiesBringTheirCalls) {
  const uint64_t admin = uint64_t{1} << CAP_SYS_ADMIN;
  const auto p = runtimeDefaultSeccompProfile(admin | (uint64_t{1} << CAP_SYS_TIME));
  for (const char* allowed : {"mount", "umount2", "unshare", "setns", "clone", "clone3",
                              "clock_settime", "settimeofday"}) {
    EXPECT_TRUE(allows(p, allowed)) << allowed;
  }
  EXPECT_EQ(ruleFor(p, "keyctl"), nullptr);
  EXPECT_EQ(ruleFor(p, "kexec_load"), nullptr);
  EXPECT_EQ(ruleFor(p, "pivot_root"), nullptr);
  EXPECT_EQ(ruleFor(p, "init_module"), nullptr);
  EXPECT_TRUE(allows(runtimeDefaultSeccompProfile(uint64_t{1} << CAP_SYS_MODULE), "init_module"));
}

class LocalhostProfile : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_ + "/root/sub");
    std::ofstream(dir_ + "/root/sub/ok.json") << R"({"defaultAction": "SCMP_ACT_ALLOW"})";
    std::ofstream(dir_ + "/outside.json") << R"({"defaultAction": "SCMP_ACT_ALLOW"})";
  }
  std::string root() const { return dir_ + "/root"; }
  support::TempDir tmp_{"pk-seccomp-unit"};
  const std::string dir_ = tmp_.path();
};

TEST_F(LocalhostProfile, ReadsAProfileBelowTheRoot) {
  auto p = loadLocalhostSeccompProfile(root(), "sub/ok.json");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->defaultAction, SeccompAction::Allow);
}

TEST_F(LocalhostProfile, PathsLeavingTheRootAreRefused) {
  fs::create_symlink(dir_ + "/outside.json", root() + "/abs-link.json");
  fs::create_symlink("../outside.json", root() + "/rel-link.json");
  for (const char* path : {"../outside.json", "abs-link.json", "rel-link.json"}) {
    auto p = loadLocalhostSeccompProfile(root(), path);
    ASSERT_FALSE(p) << path;
    EXPECT_EQ(p.error().message, "seccomp profile " + root() + "/" + path + ": leaves " + root())
        << path;
  }
  auto abs = loadLocalhostSeccompProfile(root(), dir_ + "/outside.json");
  ASSERT_FALSE(abs);
  EXPECT_NE(abs.error().message.find("must be relative to " + root()), std::string::npos);
}

TEST_F(LocalhostProfile, MissingAndMalformedFilesNameTheFile) {
  auto missing = loadLocalhostSeccompProfile(root(), "nope.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            "seccomp profile " + root() + "/nope.json: No such file or directory");
  std::ofstream(root() + "/bad.json") << "{\"defaultAction\": 3}";
  auto bad = loadLocalhostSeccompProfile(root(), "bad.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "seccomp profile " + root() +
                                     "/bad.json: field defaultAction: expected a string, got 3");
}

}  // namespace
}  // namespace podkeeper::runtime
