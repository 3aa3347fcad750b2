#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <random>

#include "image/image_gc.h"
#include "image/oci/digest.h"
#include "image/store/image_store.h"
#include "image/store_image_service.h"
#include "image_fixture.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/temp_dir.h"

// The store on a small tmpfs made by the test: a full disk and the image GC.
namespace podkeeper::image {
namespace {

using testing::buildTar;
using testing::TarEntry;

class SmallDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, "size=8m"), 0) << strerror(errno);
    mounted_ = true;
    auto s = ImageStore::open(dir_.file("store"), clock_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  // Incompressible bytes, so the tarball is as big as its file.
  static std::string noise(size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(gen());
    return s;
  }
  support::TempDir dir_;
  bool mounted_ = false;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<ImageStore> store_;
};

TEST_F(SmallDisk, ALayerBiggerThanTheFreeSpaceLeavesNoImageAndSaysWhy) {
  // The 3 MiB blob fits; its unpacked copy does not, with a 3 MiB file already there.
  const auto w = testing::writeImage(
      store_->content(), {.layers = {buildTar({{.name = "big", .data = noise(3 << 20, 1)}})}});
  std::string filler = noise(3 << 20, 2);
  {
    FILE* f = std::fopen(dir_.file("filler").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fwrite(filler.data(), 1, filler.size(), f);
    std::fclose(f);
  }
  auto r = store_->addImage(*parseImageReference("big:1"), w.manifestDigest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC) << r.error().message;
  EXPECT_NE(r.error().message.find(w.layerDigests[0]), std::string::npos) << r.error().message;
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_TRUE(store_->snapshots().list()->empty());
  for (const auto& e : std::filesystem::directory_iterator(store_->snapshots().root()))
    ADD_FAILURE() << "left behind: " << e.path();
}

TEST_F(SmallDisk, GcRemovesUnusedImagesLeastRecentlyUsedFirstAboveTheThreshold) {
  std::vector<std::string> refs;
  for (unsigned i = 0; i < 3; ++i) {
    const auto w = testing::writeImage(
        store_->content(), {.layers = {buildTar({{.name = "f", .data = noise(1 << 20, 10 + i)}})}});
    clock_.now = int64_t(100 + i) * kNsPerSec;
    const std::string ref = "img" + std::to_string(i) + ":1";
    ASSERT_TRUE(store_->addImage(*parseImageReference(ref), w.manifestDigest));
    refs.push_back(parseImageReference(ref)->normalized());
  }
  StoreImageService service(dir_.path(), *store_, clock_);
  clock_.now = 500 * kNsPerSec;
  ASSERT_TRUE(service.resolve("img0:1"));  // img0 is now the most recently used
  // ~6 MiB of 8 used: above 50 %, down to 20 %; img2 is in use.
  auto r = collectImageGarbage(*store_, service, {50, 20}, {refs[2]});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->removed, (std::vector<std::string>{refs[1], refs[0]}));
  ASSERT_EQ(store_->list()->size(), 1u);
  EXPECT_EQ((*store_->list())[0].reference, refs[2]);
  EXPECT_EQ(store_->snapshots().list()->size(), 1u);
  EXPECT_EQ(r->images, 1u);
}

TEST_F(SmallDisk, BelowTheHighThresholdGcRemovesNothing) {
  const auto w = testing::writeImage(store_->content(), {.layers = {buildTar({{.name = "f"}})}});
  ASSERT_TRUE(store_->addImage(*parseImageReference("small:1"), w.manifestDigest));
  StoreImageService service(dir_.path(), *store_, clock_);
  auto r = collectImageGarbage(*store_, service, {85, 80}, {});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->removed.empty());
  EXPECT_EQ(r->images, 1u);
}

}  // namespace
}  // namespace podkeeper::image
