#include "image/archive/import.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "image/store_image_service.h"
#include "tests/support/command.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/temp_dir.h"

// Archives as skopeo writes them from an image umoci built, offline, in the test.
namespace podkeeper::image {
namespace {

class ImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    images_ = new support::TempDir("pk-oci");
    const auto r =
        support::runShell("sh " PK_BUILD_OCI_SCRIPT " " + images_->path() + "/built 2>&1");
    ASSERT_EQ(r.exitCode, 0) << r.output;
  }
  static void TearDownTestSuite() { delete images_; }
  void SetUp() override {
    auto s = ImageStore::open(dir_.file("images/.store"), clock_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  static std::string built(const std::string& name) { return images_->path() + "/built/" + name; }

  // What a container of the image would run with.
  void expectBusyboxConfig(const StoredImage& img) {
    EXPECT_EQ(img.config.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
    ASSERT_EQ(img.config.cmd.size(), 1u);
    EXPECT_EQ(img.config.workingDir, "/work");
    EXPECT_EQ(img.config.stopSignal, "SIGUSR1");
    StoreImageService service(dir_.file("images"), *store_, clock_);
    auto resolved = service.resolve(img.record.reference);
    ASSERT_TRUE(resolved) << resolved.error().message;
    ASSERT_EQ(resolved->layers.size(), 1u);
    EXPECT_TRUE(std::filesystem::exists(resolved->layers[0] + "/bin/busybox"));
    EXPECT_EQ(resolved->stopSignal, SIGUSR1);
    EXPECT_EQ(resolved->passwd.size(), 2u);  // root and nobody, from the layer
    // containerStatuses[].imageID as containerd reports it: repository@digest, no tag.
    const std::string repo = img.record.reference.substr(0, img.record.reference.rfind(':'));
    EXPECT_EQ(resolved->imageId, repo + "@" + img.record.manifestDigest);
  }

  static support::TempDir* images_;
  support::TempDir dir_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<ImageStore> store_;
};
support::TempDir* ImportTest::images_ = nullptr;

TEST_F(ImportTest, OciArchiveFromSkopeo) {
  auto r = importImages(*store_, built("busybox.oci.tar"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].record.reference, "docker.io/library/busybox:oci");
  expectBusyboxConfig((*r)[0]);
}

TEST_F(ImportTest, DockerArchiveFromSkopeo) {
  auto r = importImages(*store_, built("busybox.docker.tar"));
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].record.reference, "docker.io/library/busybox:docker");
  expectBusyboxConfig((*r)[0]);
}

TEST_F(ImportTest, OciLayoutDirectoryNeedsANameWhenItHasOnlyATag) {
  auto unnamed = importImages(*store_, built("layout"));
  ASSERT_FALSE(unnamed);
  EXPECT_NE(unnamed.error().message.find("--name"), std::string::npos);
  auto r = importImages(*store_, built("layout"), "example.com/team/busybox:dir");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)[0].record.reference, "example.com/team/busybox:dir");
  expectBusyboxConfig((*r)[0]);
}

TEST_F(ImportTest, TheSameLayerImportedTwiceIsOneSnapshot) {
  ASSERT_TRUE(importImages(*store_, built("busybox.oci.tar")));
  ASSERT_TRUE(importImages(*store_, built("busybox.docker.tar")));
  EXPECT_EQ(store_->list()->size(), 2u);
  EXPECT_EQ(store_->snapshots().list()->size(), 1u);
}

TEST_F(ImportTest, NotAnArchiveIsAClearError) {
  const auto r = support::runShell("tar cf " + dir_.file("x.tar") + " -C / etc/hostname");
  ASSERT_EQ(r.exitCode, 0);
  auto imported = importImages(*store_, dir_.file("x.tar"));
  ASSERT_FALSE(imported);
  EXPECT_NE(imported.error().message.find("neither an oci-archive"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::image
