#include "runtime/init/apparmor_exec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/bundle/shim_config.h"
#include "runtime/init/process_identity.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

// A fake /proc/self: attr files as plain files, so what the init writes can be read back.
class FakeProcSelf : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("pk-apparmor-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir / "attr");
  }
  void TearDown() override { fs::remove_all(dir); }
  void touch(const fs::path& p) {
    fs::create_directories(p.parent_path());
    std::ofstream(p).flush();
  }
  std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path dir;
};

TEST(AppArmorExec, PlanWritesExecProfileToTheNewAttrFileFirstAsRuncDoes) {
  auto plan = appArmorExecPlan("cri-containerd.apparmor.d");
  EXPECT_EQ(plan.content, "exec cri-containerd.apparmor.d");
  EXPECT_EQ(plan.attrFiles,
            (std::vector<std::string>{"/proc/self/attr/apparmor/exec", "/proc/self/attr/exec"}));
}

TEST(AppArmorExec, ApplyingWithoutAnyAttrFileFailsNamingIt) {
  AppArmorExecPlan plan{{"/nonexistent/podkeeper/attr/exec"}, "exec x"};
  auto r = applyAppArmorExecPlan(plan);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/podkeeper/attr/exec"), std::string::npos);
}

TEST_F(FakeProcSelf, TheProfileGoesToTheApparmorExecFileOnKernelsThatHaveIt) {
  touch(dir / "attr/apparmor/exec");
  touch(dir / "attr/exec");
  ASSERT_TRUE(applyAppArmorExecPlan(appArmorExecPlan("k8s-deny-write", dir.string())));
  EXPECT_EQ(read(dir / "attr/apparmor/exec"), "exec k8s-deny-write");
  EXPECT_EQ(read(dir / "attr/exec"), "");
}

TEST_F(FakeProcSelf, OlderKernelsGetTheProfileInAttrExec) {
  touch(dir / "attr/exec");
  ASSERT_TRUE(applyAppArmorExecPlan(appArmorExecPlan("k8s-deny-write", dir.string())));
  EXPECT_EQ(read(dir / "attr/exec"), "exec k8s-deny-write");
}

TEST_F(FakeProcSelf, AnAttrFileThatCannotBeWrittenFailsNamingTheProfile) {
  fs::create_directories(dir / "attr/apparmor/exec");  // a directory: open for writing fails
  auto r = applyAppArmorExecPlan(appArmorExecPlan("missing-profile", dir.string()));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("attr/apparmor/exec"), std::string::npos) << r.error().message;
}

TEST(AppArmorExec, TheIdentityCarriesThePlanOnlyWhenAProfileIsSet) {
  ShimConfig cfg;
  cfg.containerName = "app";
  cfg.argv = {"sh"};
  cfg.sandboxDir = "/s";
  cfg.logPath = "/l";
  cfg.cgroupPath = "pk/app";
  cfg.shimCgroup = "pk/shims";
  auto id = identityFor(cfg);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_FALSE(id->appArmor);
  cfg.appArmorProfile = "cri-containerd.apparmor.d";
  id = identityFor(cfg);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(id->appArmor);
  EXPECT_EQ(id->appArmor->content, "exec cri-containerd.apparmor.d");
  auto decoded = decodeShimConfig(encodeShimConfig(cfg), "config.json");
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->appArmorProfile, "cri-containerd.apparmor.d");
}

}  // namespace
}  // namespace podkeeper::runtime
