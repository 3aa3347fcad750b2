#include <gmock/gmock.h>

#include <cerrno>
#include <csignal>

#include "tests/support/lifecycle_fixture.h"

// The image of a container is resolved through the ImageService once per start, and the
// runtime gets what was resolved in the spec.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;

class ImageResolution : public testing::LifecycleFixture {};

TEST_F(ImageResolution, EachStartResolvesItsImageOnceAndCarriesItToTheRuntime) {
  images_.images["busybox"] = {
      {"/images/busybox/latest/rootfs"}, "app", {{"app", 1000, 1000, "/"}}, {}};
  want({testing::pod("web", {container("app"), container("side")})});
  reconcile();
  EXPECT_EQ(images_.resolved, (std::vector<std::string>{"busybox", "busybox"}));
  ASSERT_EQ(runtime_.started.size(), 2u);
  EXPECT_EQ(runtime_.started[0].resolvedImage, images_.images["busybox"]);
  EXPECT_EQ(runtime_.started[1].resolvedImage, images_.images["busybox"]);
}

TEST_F(ImageResolution, ARestartResolvesTheImageAgainAsItIsNow) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  images_.images["busybox"].layers = {"/images/busybox/latest/rootfs-2"};
  runtime_.exitContainer("uid-web", "app", 1);
  advanceTo(clock_.now + 60 * kSec);  // past the crash back-off
  reconcile();
  reconcile();
  EXPECT_EQ(images_.resolved.size(), runtime_.started.size());
  ASSERT_GE(runtime_.started.size(), 2u);
  EXPECT_EQ(runtime_.started.back().resolvedImage.layers,
            std::vector<std::string>{"/images/busybox/latest/rootfs-2"});
}

TEST_F(ImageResolution, AnImageThatCannotBeReadStartsNothingAndNamesPodAndContainer) {
  images_.failure = Error{EACCES, "image \"busybox\": etc/passwd: Permission denied"};
  want({testing::pod("web", {container("app")})});
  auto r = reconciler_->reconcile("default/web");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(
                "pod default/web container app: image \"busybox\": etc/passwd: Permission denied"),
            std::string::npos)
      << r.error().message;
  EXPECT_TRUE(runtime_.started.empty());
}

// The image's Entrypoint, Cmd, Env, WorkingDir and StopSignal, applied as Kubernetes does.
class ImageConfigSemantics : public testing::LifecycleFixture {
 protected:
  void SetUp() override {
    testing::LifecycleFixture::SetUp();
    auto& img = images_.images["busybox"];
    img.entrypoint = {"/entry"};
    img.cmd = {"default-arg"};
    img.env = {"PATH=/image/bin", "IMAGE_ONLY=1", "SHARED=image"};
    img.workingDir = "/image-wd";
    img.stopSignal = SIGQUIT;
  }
  const runtime::ContainerSpec& startedWith(manifests::Container c) {
    want({testing::pod("web", {std::move(c)})});
    reconcile();
    return runtime_.started.back();
  }
};

TEST_F(ImageConfigSemantics, NoCommandNoArgsRunsEntrypointAndCmd) {
  auto c = container("app");
  c.command.clear();
  EXPECT_EQ(startedWith(c).argv, (std::vector<std::string>{"/entry", "default-arg"}));
}

TEST_F(ImageConfigSemantics, CommandReplacesEntrypointAndDropsCmd) {
  auto c = container("app");
  c.command = {"/bin/sh"};
  EXPECT_EQ(startedWith(c).argv, (std::vector<std::string>{"/bin/sh"}));
}

TEST_F(ImageConfigSemantics, ArgsReplaceCmdOnly) {
  auto c = container("app");
  c.command.clear();
  c.args = {"mine"};
  EXPECT_EQ(startedWith(c).argv, (std::vector<std::string>{"/entry", "mine"}));
}

TEST_F(ImageConfigSemantics, ImageEnvIsTheBaseTheContainerOverrides) {
  auto c = container("app");
  manifests::EnvVar shared;
  shared.name = "SHARED";
  shared.value = "container";
  c.env.push_back(shared);
  const auto& env = startedWith(c).env;
  EXPECT_THAT(env, ::testing::Contains("PATH=/image/bin"));
  EXPECT_THAT(env, ::testing::Contains("IMAGE_ONLY=1"));
  EXPECT_THAT(env, ::testing::Contains("SHARED=container"));
  EXPECT_THAT(env, ::testing::Not(::testing::Contains("SHARED=image")));
}

TEST_F(ImageConfigSemantics, WorkingDirFromTheImageUnlessTheContainerSetsOne) {
  EXPECT_EQ(startedWith(container("app")).workingDir, "/image-wd");
  auto c = container("app2");
  c.workingDir = "/mine";
  EXPECT_EQ(startedWith(c).workingDir, "/mine");
}

TEST_F(ImageConfigSemantics, StopsSendTheImagesStopSignal) {
  startedWith(container("app"));
  want({});
  reconcile();
  EXPECT_THAT(runtime_.calls, ::testing::Contains("signal uid-web/app " + std::to_string(SIGQUIT)));
}

TEST_F(ImageConfigSemantics, NeitherCommandNorEntrypointIsAClearError) {
  images_.images["busybox"].entrypoint.clear();
  images_.images["busybox"].cmd.clear();
  auto c = container("app");
  c.command.clear();
  want({testing::pod("web", {c})});
  auto r = reconciler_->reconcile("default/web");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, ::testing::HasSubstr("container app: no command"));
  EXPECT_TRUE(runtime_.started.empty());
}

}  // namespace
}  // namespace podkeeper::reconciler
