#include "runtime_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/cgroup/select/make_manager.h"
#include "runtime/image/local_image_service.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace podkeeper::runtime::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {
// The suite's temp dir (images, state, logs), made once per test suite.
std::unique_ptr<support::TempDir> g_tempRoot;
}  // namespace

std::string RuntimeFixture::tempRoot() { return g_tempRoot ? g_tempRoot->path() : ""; }
std::string RuntimeFixture::imageDir() { return tempRoot() + "/images"; }

ResolvedImage RuntimeFixture::resolveImage(const std::string& ref) {
  auto image = LocalImageService(imageDir()).resolve(ref);
  EXPECT_TRUE(image.has_value()) << image.error().message;
  return image.value_or(ResolvedImage{});
}

void RuntimeFixture::SetUpTestSuite() {
  if (::geteuid() != 0) return;
  g_tempRoot = std::make_unique<support::TempDir>("pk-test-rt");
  const std::string cmd = std::string(PK_BUILD_IMAGE_SCRIPT) + " " + imageDir() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

void RuntimeFixture::TearDownTestSuite() { g_tempRoot.reset(); }

void RuntimeFixture::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  cgroupRoot_ = "pk-test-rt-" + std::to_string(::getpid());
  auto cg = cgroup::makeCgroupManager(cgroupConfig());
  ASSERT_TRUE(cg.has_value()) << cg.error().message;
  cgroups_ = agentDriver(std::move(*cg));
  RuntimeConfig cfg;
  cfg.stateDir = stateDir();
  cfg.rootDir = rootDir();
  cfg.shimPath = PK_SHIM_PATH;
  cfg.cgroupRoot = cgroupRoot_;
  cfg.cgroupConfig = cgroupConfig();
  runtime_ = std::make_unique<LinuxRuntime>(cfg, *cgroups_);
}

void RuntimeFixture::TearDown() {
  if (!cgroups_) return;
  if (runtime_) {
    for (const auto& uid : sandboxes_) {
      auto r = runtime_->removeSandbox(uid);
      EXPECT_TRUE(r.has_value()) << r.error().message;
    }
  }
  runtime_.reset();  // its standby shims exit with it
  if (cgroups_->exists(cgroupRoot_)) {
    (void)cgroups_->killAll(cgroupRoot_);
    support::waitFor([&] { return cgroups_->remove(cgroupRoot_).has_value(); }, 2s);
    EXPECT_FALSE(cgroups_->exists(cgroupRoot_));
  }
  fs::remove_all(stateDir());
  fs::remove_all(rootDir());
  fs::remove_all(tempRoot() + "/logs");
}

SandboxSpec RuntimeFixture::sandbox(const std::string& uid, const std::string& hostname) {
  SandboxSpec s;
  s.uid = uid;
  s.name = "pod-" + uid;
  s.namespace_ = "default";
  s.hostname = hostname;
  s.cgroupParent = cgroupRoot_ + "/pod" + uid;
  s.specHash = "hash-" + uid;
  s.hostUsers = hostUsers_;
  return s;
}

SandboxSpec RuntimeFixture::makeSandbox(const std::string& uid, const std::string& hostname) {
  SandboxSpec s = sandbox(uid, hostname);
  sandboxes_.push_back(uid);
  auto r = runtime_->ensureSandbox(s);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return s;
}

ContainerSpec RuntimeFixture::container(const SandboxSpec& sb, const std::string& name,
                                        std::vector<std::string> argv) {
  ContainerSpec c;
  c.sandboxUid = sb.uid;
  c.name = name;
  c.image = "busybox";
  c.resolvedImage = resolveImage("busybox");
  c.argv = std::move(argv);
  c.logPath =
      tempRoot() + "/logs/" + sb.namespace_ + "_" + sb.name + "_" + sb.uid + "/" + name + "/0.log";
  return c;
}

ContainerState RuntimeFixture::start(const ContainerSpec& spec) {
  auto r = runtime_->startContainer(spec);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  return r ? *r : ContainerState{};
}

ContainerState RuntimeFixture::observe(const std::string& uid, const std::string& name) {
  auto s = runtime_->inspect(uid);
  if (!s || !*s) return {};
  for (const auto& c : (*s)->containers) {
    if (c.name == name) return c;
  }
  return {};
}

std::string RuntimeFixture::waitForLog(const ContainerSpec& spec,
                                       const std::function<bool(const std::string&)>& pred,
                                       std::chrono::milliseconds timeout) {
  std::string text;
  support::waitFor(
      [&] {
        text = readFileOr(spec.logPath);
        return pred(text);
      },
      timeout);
  return text;
}

std::optional<ExitRecord> RuntimeFixture::waitForExit(const std::string& uid,
                                                      const std::string& name,
                                                      std::chrono::milliseconds timeout) {
  std::optional<ExitRecord> record;
  support::waitFor(
      [&] {
        record = observe(uid, name).exit;
        return record.has_value();
      },
      timeout);
  return record;
}

std::string readFileOr(const std::string& path, const std::string& fallback) {
  std::ifstream in(path);
  if (!in) return fallback;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string nsInode(pid_t pid, const std::string& kind) {
  std::error_code ec;
  return fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + kind, ec).string();
}

}  // namespace podkeeper::runtime::testing
