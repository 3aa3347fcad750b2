#include "runtime/image/image_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace podkeeper::runtime {
namespace {

struct Case {
  const char* ref;
  const char* rootfs;
};

TEST(ResolveImageRootfs, MapsReferencesToNameTagDirectories) {
  const Case cases[] = {
      {"busybox", "/img/busybox/latest/rootfs"},
      {"busybox:1.36", "/img/busybox/1.36/rootfs"},
      {"docker.io/library/busybox:1.36", "/img/docker.io/library/busybox/1.36/rootfs"},
      {"localhost:5000/x", "/img/localhost:5000/x/latest/rootfs"},
      {"localhost:5000/team/x:v2", "/img/localhost:5000/team/x/v2/rootfs"},
  };
  for (const auto& c : cases) {
    auto r = resolveImageRootfs("/img", c.ref);
    ASSERT_TRUE(r.has_value()) << c.ref << ": " << r.error().message;
    EXPECT_EQ(*r, c.rootfs) << c.ref;
  }
}

TEST(ResolveImageRootfs, RefusesDigestsNamingTheReference) {
  auto r = resolveImageRootfs("/img", "busybox@sha256:abcd");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("busybox@sha256:abcd"), std::string::npos);
  EXPECT_NE(r.error().message.find("digest"), std::string::npos);
}

TEST(ResolveImageRootfs, RefusesReferencesThatLeaveTheImageDirectory) {
  for (const char* ref :
       {"../etc", "a/../../b:1", "/abs/x", "a//b", "./x", "x:..", "", "x:", "a/b/"}) {
    EXPECT_FALSE(resolveImageRootfs("/img", ref).has_value()) << ref;
  }
}

TEST(FindImageRootfs, ReportsMissingImageWithItsPath) {
  auto r = findImageRootfs("/nonexistent-pk-images", "busybox:1.36");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message,
            "image \"busybox:1.36\" not found: /nonexistent-pk-images/busybox/1.36/rootfs does "
            "not exist");
}

TEST(FindImageRootfs, FindsAnExistingRootfs) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("pk-img-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "busybox/latest/rootfs");
  auto r = findImageRootfs(dir.string(), "busybox");
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, (dir / "busybox/latest/rootfs").string());
}

}  // namespace
}  // namespace podkeeper::runtime
