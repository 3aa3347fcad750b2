#include <sys/stat.h>
#include <unistd.h>

#include "runtime_fixture.h"

// What a local user of the host can see of the state directory: pod directories and state
// files are root's; only what containers read through bind mounts is open.
namespace podkeeper::runtime::testing {
namespace {

mode_t modeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Sets the process umask for a scope: the runtime must not depend on it.
struct ScopedUmask {
  explicit ScopedUmask(mode_t m) : old(::umask(m)) {}
  ~ScopedUmask() { ::umask(old); }
  mode_t old;
};

using StateFiles = RuntimeFixture;

TEST_F(StateFiles, PodDirectoryIsPrivateUnderALooseUmask) {
  const ScopedUmask loose(0);
  const auto sb = makeSandbox("poddir");
  EXPECT_EQ(modeOf(runtime_->layout().podDir(sb.uid)), 0700u);
  EXPECT_EQ(modeOf(runtime_->layout().containersDir(sb.uid)), 0700u);
}

TEST_F(StateFiles, ConfigWithEnvValuesIsReadableByRootOnly) {
  const ScopedUmask loose(0);
  const auto sb = makeSandbox("config");
  auto spec = container(sb, "app", {"true"});
  spec.env = {"PASSWORD=hunter2"};
  start(spec);
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  const auto paths = runtime_->layout().container(sb.uid, "app");
  EXPECT_EQ(modeOf(paths.config()), 0600u);
  EXPECT_EQ(modeOf(paths.state()), 0600u);
  EXPECT_EQ(modeOf(paths.exit()), 0600u);
  EXPECT_EQ(modeOf(runtime_->layout().sandboxFile(sb.uid)), 0600u);
}

TEST_F(StateFiles, PodFilesMountedIntoContainersStayWorldReadable) {
  const ScopedUmask strict(077);
  const auto sb = makeSandbox("etcfiles");
  for (const char* name : {"hostname", "hosts", "resolv.conf"}) {
    EXPECT_EQ(modeOf(runtime_->layout().podDir(sb.uid) + "/" + name), 0644u) << name;
  }
}

TEST_F(StateFiles, EmptyDirIsOpenToContainersButItsParentIsPrivate) {
  const ScopedUmask loose(0);
  auto sb = sandbox("emptydir");
  sb.emptyDirs = {{"data", false, std::nullopt}};
  sandboxes_.push_back(sb.uid);
  ASSERT_TRUE(runtime_->ensureSandbox(sb).has_value());
  EXPECT_EQ(modeOf(runtime_->layout().emptyDir(sb.uid, "data")), 0777u);
  EXPECT_EQ(modeOf(runtime_->layout().volumesDir(sb.uid)), 0700u);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
