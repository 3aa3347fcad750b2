#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "common/clock.h"
#include "image/oci/digest.h"
#include "image/registry/image_puller.h"
#include "tests/integration/image/layer_builder.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_registry.h"

// Pulls into a real image store: from a real registry, and from scripted hostile ones.
namespace podkeeper::image::registry {
namespace {

using support::ScriptedHttpServer;
using support::ScriptedReply;
using support::ScriptedRequest;
using support::TempDir;

// No image, no layer blob, and nothing in snapshots/ (not even a staging directory).
bool storeHasNoImageAndNoLayer(ImageStore& store, const std::string& ref,
                               const std::string& layerDigest) {
  auto found = store.find(ref);
  return found && !found->has_value() && !store.content().has(layerDigest) &&
         std::filesystem::is_empty(store.snapshots().root());
}

struct ImagePullTest : ::testing::Test {
  TempDir dir{"pk-pull"};
  SystemClock clock;
  CurlHttpClient http;
  std::unique_ptr<ImageStore> store = openStore(dir.file("store"));

  std::unique_ptr<ImageStore> openStore(const std::string& root) {
    auto s = ImageStore::open(root, clock);
    if (!s) throw std::runtime_error(s.error().message);
    return std::move(*s);
  }
  RegistryClient client(const std::string& host) {
    RegistryOptions o;
    o.hosts.insecure = {host};
    o.hosts.certsDir = dir.file("certs.d");
    o.retryBase = std::chrono::milliseconds(5);
    return RegistryClient(http, o, AuthFile{}, clock);
  }
  ImageReference ref(const std::string& host, const std::string& path, const std::string& tag) {
    return ImageReference{host, path, tag, ""};
  }
};

TEST_F(ImagePullTest, AnImageFromARealRegistryLandsInTheStoreAndASecondPullFetchesNoBlob) {
  support::TestRegistry reg(dir.file("reg"));
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1", {"--config.cmd=/bin/sh"}), "bb:1");
  auto c = client(reg.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(reg.host(), "bb", "1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->downloadedBytes, 500'000);
  EXPECT_EQ(r->image.config.cmd, std::vector<std::string>{"/bin/sh"});
  auto lower = store->lowerDirs(r->image);
  ASSERT_FALSE(lower.empty());
  EXPECT_TRUE(std::filesystem::exists(lower.front() + "/bin/busybox"));
  auto again = puller.pull(ref(reg.host(), "bb", "1"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->downloadedBytes, 0);
  EXPECT_EQ(again->image.record.manifestDigest, r->image.record.manifestDigest);
}

TEST_F(ImagePullTest, AMovedTagIsPulledAsTheNewImage) {
  support::TestRegistry reg(dir.file("reg"));
  reg.push(support::buildBusyboxOci(dir.file("oci"), "a"), "bb:1");
  auto c = client(reg.host());
  ImagePuller puller(c, *store);
  auto first = puller.pull(ref(reg.host(), "bb", "1"));
  ASSERT_TRUE(first) << first.error().message;
  reg.push(support::buildBusyboxOci(dir.file("oci"), "b", {}, "moved\n"), "bb:1");
  auto second = puller.pull(ref(reg.host(), "bb", "1"));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_NE(second->image.record.manifestDigest, first->image.record.manifestDigest);
  EXPECT_TRUE(std::filesystem::exists(store->lowerDirs(second->image).front() + "/etc/extra"));
}

// A registry that serves one image whose layer is whatever the test says.
struct ScriptedImage {
  std::string config =
      R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]}})";
  std::string layerDigest;
  int64_t layerSize = 0;
  std::string layerBody;
  std::string manifest() const {
    return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
           sha256Digest(config) + R"(","size":)" + std::to_string(config.size()) +
           R"(},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":")" +
           layerDigest + R"(","size":)" + std::to_string(layerSize) + "}]}";
  }
  ScriptedReply reply(const ScriptedRequest& r) const {
    if (r.target.find("/manifests/") != std::string::npos)
      return {.status = 200,
              .headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}},
              .body = manifest()};
    if (r.target.ends_with(sha256Digest(config)))
      return {.status = 200, .headers = {}, .body = config};
    return {.status = 200, .headers = {}, .body = layerBody};
  }
};

TEST_F(ImagePullTest, ALayerWhoseBytesDoNotMatchItsDigestLeavesNoImageAndNoBlob) {
  ScriptedImage img;
  img.layerBody = std::string(10000, 'a');
  img.layerDigest = sha256Digest(std::string(10000, 'b'));
  img.layerSize = 10000;
  ScriptedHttpServer s([&](const ScriptedRequest& r) { return img.reply(r); });
  auto c = client(s.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(s.host(), "evil/app", "1"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("digest mismatch"), std::string::npos) << r.error().message;
  EXPECT_EQ(pullErrorReason(r.error()), "digest_mismatch");
  EXPECT_TRUE(storeHasNoImageAndNoLayer(*store, s.host() + "/evil/app:1", img.layerDigest));
}

TEST_F(ImagePullTest, ALayerWhoseUncompressedDigestIsNotItsDiffIdFailsNamingTheLayer) {
  ScriptedImage img;  // its config's diff_ids entry is sha256:000...
  img.layerBody =
      testing::buildTar({{.name = "etc/hello", .data = "hi\n"}}, testing::LayerCompression::kGzip);
  img.layerDigest = sha256Digest(img.layerBody);
  img.layerSize = static_cast<int64_t>(img.layerBody.size());
  ScriptedHttpServer s([&](const ScriptedRequest& r) { return img.reply(r); });
  auto c = client(s.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(s.host(), "evil/diffid", "1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBADMSG);
  EXPECT_NE(r.error().message.find("layer " + img.layerDigest + ": uncompressed digest sha256:"),
            std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find("rootfs.diff_ids"), std::string::npos) << r.error().message;
  auto found = store->find(s.host() + "/evil/diffid:1");
  ASSERT_TRUE(found);
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(std::filesystem::is_empty(store->snapshots().root()));
}

// A layer of incompressible data, larger than what the download tees to its unpack at once.
struct BigLayer {
  std::string data = [] {
    std::string d(700 << 10, '\0');
    uint32_t x = 12345;
    for (auto& c : d) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
    return d;
  }();
  std::string tar = testing::buildTar({{.name = "data/blob", .data = data}});
  std::string gz =
      testing::buildTar({{.name = "data/blob", .data = data}}, testing::LayerCompression::kGzip);
  ScriptedImage image() const {
    ScriptedImage img;
    img.config = R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
                 sha256Digest(tar) + R"("]}})";
    img.layerBody = gz;
    img.layerDigest = sha256Digest(gz);
    img.layerSize = static_cast<int64_t>(gz.size());
    return img;
  }
};

std::string fileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The unpack reads the bytes as they arrive: a transfer broken mid-layer and resumed with a
// Range continues the same stream; one the server restarts from 0 ends it and the layer is
// unpacked from the committed blob. Either way the snapshot is whole and right.
TEST_F(ImagePullTest, ALayerWhoseTransferBreaksIsResumedAndUnpackedWhole) {
  BigLayer big;
  const ScriptedImage img = big.image();
  int layerCalls = 0;
  ScriptedHttpServer s([&](const ScriptedRequest& r) {
    if (!r.target.ends_with(img.layerDigest)) return img.reply(r);
    ++layerCalls;
    auto range = r.headers.find("range");
    if (range == r.headers.end())
      return ScriptedReply{
          .status = 200, .headers = {}, .body = img.layerBody, .sendBytes = 400000};
    const size_t from = std::stoul(range->second.substr(6));
    return ScriptedReply{
        .status = 206,
        .headers = {{"Content-Range", "bytes " + std::to_string(from) + "-" +
                                          std::to_string(img.layerBody.size() - 1) + "/" +
                                          std::to_string(img.layerBody.size())}},
        .body = img.layerBody.substr(from)};
  });
  auto c = client(s.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(s.host(), "big/resumed", "1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(layerCalls, 2);
  EXPECT_EQ(fileText(store->lowerDirs(r->image).front() + "/data/blob"), big.data);
}

TEST_F(ImagePullTest, ALayerFetchedAgainWholeAfterABreakIsUnpackedFromItsBlob) {
  BigLayer big;
  const ScriptedImage img = big.image();
  int layerCalls = 0;
  ScriptedHttpServer s([&](const ScriptedRequest& r) {
    if (!r.target.ends_with(img.layerDigest)) return img.reply(r);
    return ScriptedReply{.status = 200,
                         .headers = {},
                         .body = img.layerBody,
                         .sendBytes = ++layerCalls == 1 ? 400000 : SIZE_MAX};
  });
  auto c = client(s.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(s.host(), "big/again", "1"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(layerCalls, 2);
  EXPECT_EQ(fileText(store->lowerDirs(r->image).front() + "/data/blob"), big.data);
  // Nothing half-unpacked stays beside the snapshot.
  EXPECT_EQ(store->snapshots().list()->size(), 1u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(store->snapshots().root()),
                          std::filesystem::directory_iterator()),
            1);
}

// Layers unpack in parallel; one that needs a parent directory from the layer below (which it
// does not list) is unpacked by addImage after its lowers, and gets the lower's attributes.
TEST_F(ImagePullTest, ALayerThatNeedsItsLowerLayerIsUnpackedAfterIt) {
  const std::string base = testing::buildTar(
      {{.type = testing::TarEntry::kDir, .name = "srv/", .mode = 0710, .uid = 1000, .gid = 1001}},
      testing::LayerCompression::kGzip);
  const std::string baseTar = testing::buildTar(
      {{.type = testing::TarEntry::kDir, .name = "srv/", .mode = 0710, .uid = 1000, .gid = 1001}});
  const std::string top = testing::buildTar({{.name = "srv/conf", .data = "x"}});
  const std::string config =
      R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
      sha256Digest(baseTar) + R"(",")" + sha256Digest(top) + R"("]}})";
  auto desc = [](const std::string& type, const std::string& bytes) {
    return R"({"mediaType":")" + type + R"(","digest":")" + sha256Digest(bytes) + R"(","size":)" +
           std::to_string(bytes.size()) + "}";
  };
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
      desc("application/vnd.oci.image.config.v1+json", config) + R"(,"layers":[)" +
      desc("application/vnd.oci.image.layer.v1.tar+gzip", base) + "," +
      desc("application/vnd.oci.image.layer.v1.tar", top) + "]}";
  ScriptedHttpServer s([&](const ScriptedRequest& r) {
    if (r.target.find("/manifests/") != std::string::npos)
      return ScriptedReply{
          .status = 200,
          .headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}},
          .body = manifest};
    for (const auto* b : {&config, &base, &top})
      if (r.target.ends_with(sha256Digest(*b)))
        return ScriptedReply{.status = 200, .headers = {}, .body = *b};
    return ScriptedReply{.status = 404, .headers = {}, .body = ""};
  });
  auto c = client(s.host());
  ImagePuller puller(c, *store);
  auto r = puller.pull(ref(s.host(), "two/layers", "1"));
  ASSERT_TRUE(r) << r.error().message;
  struct stat st {};
  ASSERT_EQ(::stat((store->lowerDirs(r->image).front() + "/srv").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0710u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(fileText(store->lowerDirs(r->image).front() + "/srv/conf"), "x");
}

TEST_F(ImagePullTest, ALayerBiggerThanTheFreeSpaceIsRefusedBeforeItIsWrittenNamingWhy) {
  const std::string small = dir.file("small");
  ::mkdir(small.c_str(), 0700);
  ASSERT_EQ(::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m"), 0) << std::strerror(errno);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{small};
  auto smallStore = openStore(small + "/store");
  ScriptedImage img;
  img.layerBody = std::string(4 << 20, 'z');
  img.layerDigest = sha256Digest(img.layerBody);
  img.layerSize = static_cast<int64_t>(img.layerBody.size());
  ScriptedHttpServer s([&](const ScriptedRequest& r) { return img.reply(r); });
  auto c = client(s.host());
  ImagePuller puller(c, *smallStore);
  auto r = puller.pull(ref(s.host(), "big/app", "1"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ENOSPC);
  EXPECT_NE(r.error().message.find("blob " + img.layerDigest + " needs 4194304 bytes"),
            std::string::npos)
      << r.error().message;
  EXPECT_TRUE(storeHasNoImageAndNoLayer(*smallStore, s.host() + "/big/app:1", img.layerDigest));
  for (const auto& e : s.requests()) EXPECT_FALSE(e.target.ends_with(img.layerDigest));
}

}  // namespace
}  // namespace podkeeper::image::registry
