#include "image/store/image_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "image/oci/digest.h"
#include "image_fixture.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::image {
namespace {

using testing::buildTar;
using testing::TarEntry;
using testing::TestImage;
using testing::writeImage;

ImageReference imageRef(const std::string& s) { return *parseImageReference(s); }
constexpr const char* kGzipLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ImageStore::open(dir_.file("store"), clock_);
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  support::TempDir dir_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<ImageStore> store_;
};

const std::string kBase = buildTar({{.type = TarEntry::kDir, .name = "bin/", .mode = 0755},
                                    {.name = "bin/tool", .data = "base", .mode = 0755}});

TEST_F(ImageStoreTest, AddImageUnpacksLayersAndRecordsTheReference) {
  const auto top = buildTar({{.name = "etc/app.conf", .data = "conf"}});
  const auto w = writeImage(store_->content(),
                            {.layers = {kBase, top}, .configJson = R"({"Cmd":["/bin/tool"]})"});
  auto img = store_->addImage(imageRef("app:1"), w.manifestDigest);
  ASSERT_TRUE(img) << img.error().message;
  EXPECT_EQ(img->config.cmd, std::vector<std::string>{"/bin/tool"});
  const auto lowers = store_->lowerDirs(*img);
  ASSERT_EQ(lowers.size(), 2u);
  EXPECT_TRUE(std::filesystem::exists(lowers[0] + "/etc/app.conf"));  // top first
  EXPECT_TRUE(std::filesystem::exists(lowers[1] + "/bin/tool"));
  auto found = store_->find("docker.io/library/app:1");
  ASSERT_TRUE(found && *found);
  EXPECT_EQ((*found)->manifestDigest, w.manifestDigest);
  EXPECT_FALSE(*store_->find("docker.io/library/other:1"));
}

TEST_F(ImageStoreTest, AGzipLayerIsCheckedAgainstItsDiffIdAndAMismatchNamesTheLayer) {
  const auto plain = buildTar({{.name = "etc/app.conf", .data = "conf"}});
  const auto gz =
      buildTar({{.name = "etc/app.conf", .data = "conf"}}, testing::LayerCompression::kGzip);
  const auto good =
      writeImage(store_->content(),
                 {.layers = {gz}, .diffIds = {sha256Digest(plain)}, .layerMediaType = kGzipLayer});
  auto img = store_->addImage(imageRef("good:1"), good.manifestDigest);
  ASSERT_TRUE(img) << img.error().message;
  // The compressed digest where the uncompressed one belongs (a builder's classic mistake).
  const auto bad = writeImage(
      store_->content(), {.layers = {buildTar({{.name = "x"}}, testing::LayerCompression::kGzip)},
                          .layerMediaType = kGzipLayer});
  auto r = store_->addImage(imageRef("bad:1"), bad.manifestDigest);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBADMSG);
  EXPECT_NE(r.error().message.find("layer " + bad.layerDigests[0] + ": uncompressed digest"),
            std::string::npos)
      << r.error().message;
  EXPECT_FALSE(*store_->find("docker.io/library/bad:1"));
  EXPECT_EQ(store_->snapshots().list()->size(), 1u);  // good's only; no staging left either
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(store_->snapshots().root()),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(ImageStoreTest, ImagesShareTheSnapshotOfACommonBaseLayerUntilTheLastGoes) {
  const auto a = writeImage(store_->content(), {.layers = {kBase, buildTar({{.name = "a"}})}});
  const auto b = writeImage(store_->content(), {.layers = {kBase, buildTar({{.name = "b"}})}});
  auto ia = store_->addImage(imageRef("a:1"), a.manifestDigest);
  auto ib = store_->addImage(imageRef("b:1"), b.manifestDigest);
  ASSERT_TRUE(ia && ib);
  EXPECT_EQ(ia->chainIds[0], ib->chainIds[0]);
  EXPECT_EQ(store_->snapshots().list()->size(), 3u);
  auto r = store_->remove({"docker.io/library/a:1"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->removedSnapshots, 1u);
  EXPECT_TRUE(store_->snapshots().has(ib->chainIds[0]));
  EXPECT_FALSE(store_->content().has(a.manifestDigest));
  ASSERT_TRUE(store_->remove({"docker.io/library/b:1"}));
  EXPECT_TRUE(store_->snapshots().list()->empty());
  EXPECT_TRUE(store_->content().list()->empty());
  EXPECT_TRUE(store_->list()->empty());
}

TEST_F(ImageStoreTest, AHostileLayerFailsTheImageAndLeavesNoSnapshotOrReference) {
  const auto w = writeImage(store_->content(),
                            {.layers = {kBase, buildTar({{.name = "../../x", .data = "x"}})}});
  auto img = store_->addImage(imageRef("bad:1"), w.manifestDigest);
  ASSERT_FALSE(img);
  EXPECT_NE(img.error().message.find(w.layerDigests[1]), std::string::npos);
  EXPECT_NE(img.error().message.find("../../x"), std::string::npos);
  EXPECT_TRUE(store_->list()->empty());
  EXPECT_EQ(store_->snapshots().list()->size(), 1u);  // the good base layer only
  for (const auto& e : std::filesystem::directory_iterator(store_->snapshots().root()))
    EXPECT_FALSE(e.path().filename().string().starts_with(".staging")) << e.path();
}

TEST_F(ImageStoreTest, AReferenceWithADigestMustNameTheManifest) {
  const auto w = writeImage(store_->content(), {.layers = {kBase}});
  auto r = store_->addImage(imageRef("app@" + sha256Digest("other")), w.manifestDigest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(w.manifestDigest), std::string::npos);
}

TEST_F(ImageStoreTest, StagingLeftByACrashIsRemovedAtOpen) {
  // Its pid is this process: not an unpack under way in another one.
  const std::string staging =
      store_->snapshots().root() + "/.staging-" + std::to_string(::getpid()) + "-999";
  std::filesystem::create_directories(staging + "/half/applied");
  store_.reset();
  auto s = ImageStore::open(dir_.file("store"), clock_);
  ASSERT_TRUE(s);
  EXPECT_FALSE(std::filesystem::exists(staging));
}

// containerd (1.7+): a parent directory a layer does not list takes the mode, owner and times
// of the first lower layer that has it; one no lower has is 0755 root.
TEST_F(ImageStoreTest, AParentALayerDoesNotListIsCopiedFromTheLowerLayers) {
  const auto base =
      buildTar({{.type = TarEntry::kDir, .name = "srv/", .mode = 0710, .uid = 1000, .gid = 1001}});
  const auto top = buildTar({{.name = "srv/app/conf", .data = "x"}});  // srv/, srv/app/ unlisted
  const auto w = writeImage(store_->content(), {.layers = {base, top}});
  auto img = store_->addImage(imageRef("implied:1"), w.manifestDigest);
  ASSERT_TRUE(img) << img.error().message;
  const std::string upper = store_->lowerDirs(*img).front();
  struct stat st {};
  ASSERT_EQ(::stat((upper + "/srv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_mtime, 1700000000);
  ASSERT_EQ(::stat((upper + "/srv/app").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
}

// A layer above the base unpacked before its lowers (as a pull does, in parallel) leaves a
// parent it needs from them for later (EAGAIN), and leaves nothing behind.
TEST_F(ImageStoreTest, ALayerThatNeedsItsLowersWaitsForThem) {
  const auto top = buildTar({{.name = "srv/app/conf", .data = "x"}});
  const Descriptor d{"application/vnd.oci.image.layer.v1.tar", sha256Digest(top),
                     static_cast<int64_t>(top.size())};
  ASSERT_TRUE(store_->content().writeBlob(d, top));
  auto r = store_->unpackLayer(sha256Digest("chain"), d, d.digest, LowerLayers{false, {}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EAGAIN) << r.error().message;
  EXPECT_TRUE(std::filesystem::is_empty(store_->snapshots().root()));
  // With nothing to wait for (a layer that lists its parents) it unpacks all the same.
  const auto listed = buildTar(
      {{.type = TarEntry::kDir, .name = "srv/", .mode = 0755}, {.name = "srv/conf", .data = "x"}});
  const Descriptor l{"application/vnd.oci.image.layer.v1.tar", sha256Digest(listed),
                     static_cast<int64_t>(listed.size())};
  ASSERT_TRUE(store_->content().writeBlob(l, listed));
  EXPECT_TRUE(store_->unpackLayer(sha256Digest("chain2"), l, l.digest, LowerLayers{false, {}}));
}

TEST_F(ImageStoreTest, SweepRemovesWhatFailedPullsLeftAndKeepsEveryImage) {
  const auto w =
      writeImage(store_->content(), {.layers = {kBase, buildTar({{.name = "etc/app.conf"}})}});
  ASSERT_TRUE(store_->addImage(imageRef("app:1"), w.manifestDigest));
  // A pull that died after a blob and a snapshot, and one killed mid-write (pid gone).
  const std::string orphan = buildTar({{.name = "orphan"}});
  const Descriptor layer{"application/vnd.oci.image.layer.v1.tar", sha256Digest(orphan),
                         static_cast<int64_t>(orphan.size())};
  ASSERT_TRUE(store_->content().writeBlob(layer, orphan));
  ASSERT_TRUE(store_->unpackLayer(layer.digest, layer, layer.digest));
  const std::string deadPid = "999999999";
  std::ofstream(store_->content().root() + "/ingest/" + std::string(64, 'a') + "." + deadPid + ".1")
      << "half a blob";
  std::filesystem::create_directories(store_->snapshots().root() + "/.staging-" + deadPid +
                                      "-1/half/applied");
  auto swept = store_->sweep();
  ASSERT_TRUE(swept) << swept.error().message;
  EXPECT_EQ(swept->blobs, 1u);
  EXPECT_EQ(swept->snapshots, 1u);
  EXPECT_EQ(swept->partial, 2u);
  EXPECT_FALSE(store_->content().has(layer.digest));
  EXPECT_FALSE(store_->snapshots().has(layer.digest));
  EXPECT_TRUE(std::filesystem::is_empty(store_->content().root() + "/ingest"));
  auto found = store_->find("docker.io/library/app:1");  // loads it, its snapshots checked
  ASSERT_TRUE(found && *found) << (found ? "" : found.error().message);
  EXPECT_EQ(store_->snapshots().list()->size(), 2u);
  auto again = store_->sweep();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->blobs + again->snapshots + again->partial, 0u);
}

TEST_F(ImageStoreTest, MissingLayerBlobIsAnErrorAndNoReference) {
  const auto w = writeImage(store_->content(), {.layers = {kBase}});
  ASSERT_TRUE(store_->content().removeBlob(w.layerDigests[0]));
  auto r = store_->addImage(imageRef("app:1"), w.manifestDigest);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(w.layerDigests[0]), std::string::npos);
  EXPECT_TRUE(store_->list()->empty());
}

}  // namespace
}  // namespace podkeeper::image
