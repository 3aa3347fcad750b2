#include <filesystem>
#include <fstream>

#include "runtime_fixture.h"

namespace podkeeper::runtime::testing {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// A copy of the busybox image (applet links and all) with its own users, groups and config.
class ImageUser : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    ref_ = "users-" + std::to_string(::getpid());
    image_ = imageDir() + "/" + ref_ + "/latest";
    fs::create_directories(image_);
    fs::copy(imageDir() + "/busybox/latest/rootfs", image_ + "/rootfs",
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    std::ofstream(image_ + "/rootfs/etc/passwd", std::ios::app)
        << "app:x:1500:1600:App:/home/app:/bin/sh\n";
    std::ofstream(image_ + "/rootfs/etc/group", std::ios::app)
        << "appgrp:x:1600:\nextra:x:1700:app\nother:x:1800:nobody\n";
  }
  void TearDown() override {
    RuntimeFixture::TearDown();
    fs::remove_all(fs::path(image_).parent_path());
  }
  ContainerSpec imageContainer(const SandboxSpec& sb, const std::string& name,
                               const std::string& user) {
    std::ofstream(image_ + "/config.json") << R"({"config": {"User": ")" + user + R"("}})";
    auto spec = container(
        sb, name, {"sh", "-c", "echo uid=$(id -u) gid=$(id -g) groups=\"$(id -G)\" home=$HOME"});
    spec.resolvedImage = resolveImage(ref_);
    return spec;
  }
  std::string run(const ContainerSpec& spec) {
    start(spec);
    EXPECT_TRUE(waitForExit(spec.sandboxUid, spec.name).has_value());
    return readFileOr(spec.logPath);
  }
  std::string ref_;    // the image's reference: users-<pid>
  std::string image_;  // its directory
};

TEST_F(ImageUser, ImageUserNameIsResolvedThroughTheImagesPasswdAndGroup) {
  const auto sb = makeSandbox("imguser");
  const auto log = run(imageContainer(sb, "app", "app"));
  EXPECT_TRUE(contains(log, "F uid=1500 gid=1600 groups=1600 1700 home=/home/app\n")) << log;
}

TEST_F(ImageUser, ImageUserWithGroupNameTakesThatGroup) {
  const auto sb = makeSandbox("imggroup");
  const auto log = run(imageContainer(sb, "app", "app:other"));
  EXPECT_TRUE(contains(log, "F uid=1500 gid=1800 groups=1800 home=/home/app\n")) << log;
}

TEST_F(ImageUser, RunAsUserOverridesTheImageUser) {
  const auto sb = makeSandbox("imgoverride");
  auto spec = imageContainer(sb, "app", "app");
  spec.runAsUser = 65534;
  const auto log = run(spec);
  EXPECT_TRUE(contains(log, "F uid=65534 gid=65534")) << log;
}

TEST_F(ImageUser, UnknownImageUserIsRefusedNamingIt) {
  const auto sb = makeSandbox("imgghost");
  auto r = runtime_->startContainer(imageContainer(sb, "app", "ghost"));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(contains(r.error().message, "user \"ghost\" is not in the image's /etc/passwd"))
      << r.error().message;
}

TEST_F(ImageUser, PasswdLinkLeavingTheRootfsIsResolvedInsideIt) {
  const auto sb = makeSandbox("imglink");
  // An absolute link resolves inside the image, never to the host's /etc/passwd.
  fs::rename(image_ + "/rootfs/etc/passwd", image_ + "/rootfs/etc/passwd.real");
  fs::create_symlink("/etc/passwd.real", image_ + "/rootfs/etc/passwd");
  const auto log = run(imageContainer(sb, "app", "app"));
  EXPECT_TRUE(contains(log, "F uid=1500 gid=1600")) << log;
}

}  // namespace
}  // namespace podkeeper::runtime::testing
