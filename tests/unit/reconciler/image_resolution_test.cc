#include <cerrno>

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
      "/images/busybox/latest/rootfs", "app", {{"app", 1000, 1000, "/"}}, {}};
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
  images_.images["busybox"].rootfs = "/images/busybox/latest/rootfs-2";
  runtime_.exitContainer("uid-web", "app", 1);
  advanceTo(clock_.now + 60 * kSec);  // past the crash back-off
  reconcile();
  reconcile();
  EXPECT_EQ(images_.resolved.size(), runtime_.started.size());
  ASSERT_GE(runtime_.started.size(), 2u);
  EXPECT_EQ(runtime_.started.back().resolvedImage.rootfs, "/images/busybox/latest/rootfs-2");
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

}  // namespace
}  // namespace podkeeper::reconciler
