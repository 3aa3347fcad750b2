#include "runtime/seccomp/seccomp_cache.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "runtime/seccomp/container_seccomp.h"
#include "runtime/seccomp/seccomp_filter.h"
#include "runtime/sys/capabilities.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

using Program = std::vector<sock_filter>;

bool same(const Program& a, const Program& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
}

SeccompSpec runtimeDefault() {
  SeccompSpec s;
  s.kind = SeccompSpec::Kind::RuntimeDefault;
  return s;
}

Program fresh(const SeccompSpec& spec, const std::vector<std::string>& caps) {
  auto p = containerSeccompProgram(spec, caps, false);
  EXPECT_TRUE(p && *p) << (p ? "no program" : p.error().message);
  return p && *p ? **p : Program{};
}

constexpr const char* kProfile = R"({"defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]})";

TEST(SeccompProgramCache, RuntimeDefaultEqualsAFreshCompileAndCompilesOncePerCapabilitySet) {
  support::TempDir dir;
  SeccompProgramCache cache(dir.file("seccomp"));
  const auto caps = defaultCapabilities();
  auto first = cache.programFor(runtimeDefault(), caps, false);
  ASSERT_TRUE(first && *first) << (first ? "none" : first.error().message);
  EXPECT_TRUE(same(*(*first)->program, fresh(runtimeDefault(), caps)));
  auto again = cache.programFor(runtimeDefault(), caps, false);
  ASSERT_TRUE(again && *again);
  EXPECT_EQ((*again)->program, (*first)->program);  // the same program, not a copy
  EXPECT_EQ(cache.compiles(), 1u);

  // CAP_SYS_ADMIN changes RuntimeDefault (mount, unshare, clone3 allowed): another program.
  auto withAdmin = caps;
  withAdmin.push_back("CAP_SYS_ADMIN");
  auto admin = cache.programFor(runtimeDefault(), withAdmin, false);
  ASSERT_TRUE(admin && *admin);
  EXPECT_TRUE(same(*(*admin)->program, fresh(runtimeDefault(), withAdmin)));
  EXPECT_FALSE(same(*(*admin)->program, *(*first)->program));
  EXPECT_NE((*admin)->file, (*first)->file);
  EXPECT_EQ(cache.compiles(), 2u);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(SeccompProgramCache, StoresEachProgramOnceByContentAndLinksItPerContainer) {
  support::TempDir dir;
  SeccompProgramCache cache(dir.file("seccomp"));
  auto e = cache.programFor(runtimeDefault(), defaultCapabilities(), false);
  ASSERT_TRUE(e && *e);
  EXPECT_EQ((*e)->file, dir.file("seccomp/" + seccompProgramFileName(*(*e)->program)));
  auto stored = readSeccompProgram((*e)->file);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(same(*stored, *(*e)->program));

  ASSERT_TRUE(SeccompProgramCache::install(**e, dir.file("a.bpf")));
  ASSERT_TRUE(SeccompProgramCache::install(**e, dir.file("b.bpf")));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("b.bpf").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 3u);  // the stored file and two containers' links
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  auto linked = readSeccompProgram(dir.file("a.bpf"));
  ASSERT_TRUE(linked);
  EXPECT_TRUE(same(*linked, *(*e)->program));
  EXPECT_FALSE(SeccompProgramCache::install(**e, dir.file("a.bpf")));  // never over a file
}

TEST(SeccompProgramCache, ATornStoredFileFromAnEarlierAgentIsReplaced) {
  support::TempDir dir;
  const Program program = fresh(runtimeDefault(), defaultCapabilities());
  ASSERT_EQ(::mkdir(dir.file("seccomp").c_str(), 0700), 0);
  const std::string name = dir.file("seccomp/" + seccompProgramFileName(program));
  std::ofstream(name) << "torn";
  SeccompProgramCache cache(dir.file("seccomp"));
  auto e = cache.programFor(runtimeDefault(), defaultCapabilities(), false);
  ASSERT_TRUE(e && *e);
  auto stored = readSeccompProgram(name);
  ASSERT_TRUE(stored) << stored.error().message;
  EXPECT_TRUE(same(*stored, program));
}

TEST(SeccompProgramCache, LocalhostIsKeyedByTheFilesBytes) {
  support::TempDir dir;
  SeccompProgramCache cache(dir.file("seccomp"));
  SeccompSpec spec;
  spec.kind = SeccompSpec::Kind::Localhost;
  spec.profileRoot = dir.path();
  spec.localhostProfile = "p.json";
  std::ofstream(dir.file("p.json")) << kProfile;
  auto one = cache.programFor(spec, {}, false);
  ASSERT_TRUE(one && *one) << (one ? "none" : one.error().message);
  EXPECT_TRUE(same(*(*one)->program, fresh(spec, {})));
  ASSERT_TRUE(cache.programFor(spec, {"CAP_CHOWN"}, false));  // capabilities play no part
  EXPECT_EQ(cache.compiles(), 1u);

  std::ofstream(dir.file("p.json"), std::ios::trunc)
      << R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"],
             "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]})";
  auto edited = cache.programFor(spec, {}, false);
  ASSERT_TRUE(edited && *edited);
  EXPECT_EQ(cache.compiles(), 2u);
  EXPECT_FALSE(same(*(*edited)->program, *(*one)->program));
  EXPECT_TRUE(same(*(*edited)->program, fresh(spec, {})));
}

TEST(SeccompProgramCache, ErrorsAreTheFreshCompilesAndAreNotCached) {
  support::TempDir dir;
  SeccompProgramCache cache(dir.file("seccomp"));
  SeccompSpec spec;
  spec.kind = SeccompSpec::Kind::Localhost;
  spec.profileRoot = dir.path();
  spec.localhostProfile = "bad.json";
  std::ofstream(dir.file("bad.json")) << R"({"defaultAction": "SCMP_ACT_NOPE"})";
  auto cached = cache.programFor(spec, {}, false);
  auto direct = containerSeccompProgram(spec, {}, false);
  ASSERT_FALSE(cached);
  ASSERT_FALSE(direct);
  EXPECT_EQ(cached.error().message, direct.error().message);
  EXPECT_EQ(cache.size(), 0u);
  spec.localhostProfile = "missing.json";
  EXPECT_FALSE(cache.programFor(spec, {}, false));
}

TEST(SeccompProgramCache, UnconfinedAndPrivilegedGetNoProgramAndCompileNothing) {
  support::TempDir dir;
  SeccompProgramCache cache(dir.file("seccomp"));
  auto privileged = cache.programFor(runtimeDefault(), defaultCapabilities(), true);
  ASSERT_TRUE(privileged);
  EXPECT_FALSE(*privileged);
  auto unconfined = cache.programFor(SeccompSpec{}, defaultCapabilities(), false);
  ASSERT_TRUE(unconfined);
  EXPECT_FALSE(*unconfined);
  EXPECT_EQ(cache.compiles(), 0u);
}

}  // namespace
}  // namespace podkeeper::runtime
