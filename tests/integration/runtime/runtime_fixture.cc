#include "runtime_fixture.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "runtime/cgroup/select/make_manager.h"
#include "runtime/image/local_image_service.h"

namespace podkeeper::runtime::testing {
namespace fs = std::filesystem;

namespace {
std::string g_tempRoot;
}

std::string RuntimeFixture::tempRoot() { return g_tempRoot; }
std::string RuntimeFixture::imageDir() { return g_tempRoot + "/images"; }

ResolvedImage RuntimeFixture::resolveImage(const std::string& ref) {
  auto image = LocalImageService(imageDir()).resolve(ref);
  EXPECT_TRUE(image.has_value()) << image.error().message;
  return image.value_or(ResolvedImage{});
}

void RuntimeFixture::SetUpTestSuite() {
  if (::geteuid() != 0) return;
  char tmpl[] = "/tmp/pk-test-rt-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  g_tempRoot = tmpl;
  const std::string cmd = std::string(PK_BUILD_IMAGE_SCRIPT) + " " + imageDir() + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

void RuntimeFixture::TearDownTestSuite() {
  if (!g_tempRoot.empty()) fs::remove_all(g_tempRoot);
}

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
  if (!runtime_) return;
  for (const auto& uid : sandboxes_) {
    auto r = runtime_->removeSandbox(uid);
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }
  if (cgroups_->exists(cgroupRoot_)) {
    (void)cgroups_->killAll(cgroupRoot_);
    for (int i = 0; i < 100; ++i) {
      if (cgroups_->remove(cgroupRoot_)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    text = readFileOr(spec.logPath);
    if (pred(text)) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return text;
}

std::optional<ExitRecord> RuntimeFixture::waitForExit(const std::string& uid,
                                                      const std::string& name,
                                                      std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto s = observe(uid, name);
    if (s.exit) return s.exit;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
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
