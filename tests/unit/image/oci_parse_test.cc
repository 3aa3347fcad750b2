#include <gtest/gtest.h>

#include <csignal>

#include "image/oci/digest.h"
#include "image/oci/image_config.h"
#include "image/oci/manifest.h"
#include "image/oci/platform.h"
#include "image/unpack/entry_path.h"

namespace podkeeper::image {
namespace {

const std::string kD1 = "sha256:" + std::string(64, 'a');
const std::string kD2 = "sha256:" + std::string(64, 'b');
const std::string kD3 = "sha256:" + std::string(64, 'c');

TEST(Digest, AcceptsSha256WithLowercaseHexOnly) {
  EXPECT_TRUE(validateDigest(kD1));
  EXPECT_FALSE(validateDigest("sha256:" + std::string(64, 'A')));
  EXPECT_FALSE(validateDigest("sha256:" + std::string(63, 'a')));
  EXPECT_FALSE(validateDigest("sha512:" + std::string(128, 'a')));
  EXPECT_FALSE(validateDigest("sha256:../../etc/passwd" + std::string(41, 'a')));
}

TEST(Digest, Sha256OfKnownString) {
  EXPECT_EQ(sha256Digest("abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.update(std::string_view("a"));
  h.update(std::string_view("bc"));
  EXPECT_EQ(h.finish(), sha256Digest("abc"));
}

std::string manifestJson(const std::string& layerType) {
  return R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
    "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
         kD1 +
         R"(","size":10},
    "layers":[{"mediaType":")" +
         layerType + R"(","digest":")" + kD2 + R"(","size":20}]})";
}

TEST(Manifest, ParsesOciManifest) {
  auto m = parseManifest(manifestJson(std::string(media::kOciLayerGzip)), kD3);
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->config.digest, kD1);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 20);
  EXPECT_EQ(*manifestKind(manifestJson(std::string(media::kOciLayerGzip)), kD3),
            ManifestKind::kManifest);
}

TEST(Manifest, UnknownLayerTypeNamesBlobAndField) {
  auto m = parseManifest(manifestJson("application/x-foo"), kD3);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find(kD3), std::string::npos);
  EXPECT_NE(m.error().message.find("layers[0].mediaType"), std::string::npos);
}

TEST(Manifest, BadDigestInDescriptorIsRefused) {
  std::string j = manifestJson(std::string(media::kOciLayer));
  j.replace(j.find(kD2), kD2.size(), "sha256:zz");
  auto m = parseManifest(j, kD3);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("layers[0].digest"), std::string::npos);
}

TEST(Manifest, OverTheSizeLimitIsRefused) {
  std::string big = manifestJson(std::string(media::kOciLayer));
  big.insert(1, std::string(kMaxManifestBytes, ' '));
  auto m = parseManifest(big, kD3);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, EFBIG);
}

TEST(Manifest, SchemaOneIsRefused) {
  auto m = parseManifest(R"({"schemaVersion":1,"fsLayers":[]})", kD3);
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("schemaVersion"), std::string::npos);
}

TEST(Manifest, DockerManifestListIsAnIndex) {
  const std::string j =
      R"({"schemaVersion":2,
    "mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
    {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
      kD1 + R"(","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}},
    {"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":")" +
      kD2 + R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}}]})";
  EXPECT_EQ(*manifestKind(j, kD3), ManifestKind::kIndex);
  auto idx = parseIndex(j, kD3);
  ASSERT_TRUE(idx) << idx.error().message;
  EXPECT_EQ(selectManifest(idx->manifests, {"linux", "amd64", ""}), 1u);
  EXPECT_EQ(selectManifest(idx->manifests, {"linux", "arm", "v7"}), 0u);
  EXPECT_EQ(selectManifest(idx->manifests, {"linux", "arm64", ""}), std::nullopt);
}

Descriptor entry(const std::string& arch, const std::string& variant,
                 const std::string& os = "linux") {
  Descriptor d;
  d.hasPlatform = true;
  d.platform = {os, arch, variant};
  return d;
}

TEST(Platform, ArmV7PrefersV7OverV6AndRefusesV8) {
  EXPECT_EQ(selectManifest({entry("arm", "v6"), entry("arm", "v7")}, {"linux", "arm", "v7"}), 1u);
  EXPECT_EQ(selectManifest({entry("arm", "v6")}, {"linux", "arm", "v7"}), 0u);
  EXPECT_EQ(selectManifest({entry("arm", "v8")}, {"linux", "arm", "v7"}), std::nullopt);
}

TEST(Platform, Arm64V8EqualsNoVariantAndWindowsNeverMatches) {
  EXPECT_EQ(selectManifest({entry("amd64", "", "windows"), entry("arm64", "v8")},
                           {"linux", "aarch64", ""}),
            1u);
  EXPECT_EQ(selectManifest({entry("amd64", "", "windows")}, {"linux", "amd64", ""}), std::nullopt);
}

TEST(Platform, HostIsLinux) { EXPECT_EQ(hostPlatform().os, "linux"); }

TEST(ImageConfig, ReadsWhatRunningNeeds) {
  const std::string j = R"({"architecture":"amd64","os":"linux","config":{
    "Entrypoint":["/bin/sh","-c"],"Cmd":["echo hi"],"Env":["PATH=/bin","A=b=c"],
    "WorkingDir":"/srv","User":"1000:1000","StopSignal":"SIGQUIT","Labels":{"k":"v"}},
    "rootfs":{"type":"layers","diff_ids":[")" +
                        kD1 + R"(",")" + kD2 + R"("]},"history":[]})";
  auto c = parseImageConfig(j, kD3);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(c->cmd, (std::vector<std::string>{"echo hi"}));
  EXPECT_EQ(c->env[1], "A=b=c");
  EXPECT_EQ(c->workingDir, "/srv");
  EXPECT_EQ(c->user, "1000:1000");
  EXPECT_EQ(c->stopSignal, "SIGQUIT");
  EXPECT_EQ(c->labels.at("k"), "v");
  EXPECT_EQ(c->diffIds.size(), 2u);
}

TEST(ImageConfig, BadFieldIsNamed) {
  auto c = parseImageConfig(R"({"config":{"Cmd":"echo"},"rootfs":{"diff_ids":[]}})", kD3);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("config.Cmd"), std::string::npos);
  EXPECT_NE(c.error().message.find(kD3), std::string::npos);
  auto e = parseImageConfig(R"({"config":{"Env":["NOEQUALS"]},"rootfs":{"diff_ids":[]}})", kD3);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("config.Env[0]"), std::string::npos);
}

TEST(ImageConfig, ChainIdsFollowContainerd) {
  const auto ids = chainIds({kD1, kD2});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], kD1);
  EXPECT_EQ(ids[1], sha256Digest(kD1 + " " + kD2));
}

TEST(EntryPath, SplitsAndRefusesEscapes) {
  EXPECT_EQ(*splitEntryPath("./a//b/"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(splitEntryPath("./")->empty());
  EXPECT_FALSE(splitEntryPath("../x"));
  EXPECT_FALSE(splitEntryPath("a/../../x"));
  EXPECT_FALSE(splitEntryPath("/etc/passwd"));
  // The layer's root as `umoci insert` names it; "/.." is still an escape.
  EXPECT_TRUE(splitEntryPath("/")->empty());
  EXPECT_TRUE(splitEntryPath("/./")->empty());
  EXPECT_FALSE(splitEntryPath("/.."));
  EXPECT_FALSE(splitEntryPath("/../x"));
}

TEST(EntryPath, ClassifiesWhiteouts) {
  EXPECT_EQ(classifyWhiteout(".wh..wh..opq").kind, WhiteoutKind::kOpaque);
  EXPECT_EQ(classifyWhiteout(".wh.foo").kind, WhiteoutKind::kFile);
  EXPECT_EQ(classifyWhiteout(".wh.foo").target, "foo");
  EXPECT_EQ(classifyWhiteout("foo").kind, WhiteoutKind::kNone);
  EXPECT_EQ(classifyWhiteout(".wh..wh.plnk").kind, WhiteoutKind::kNone);
  EXPECT_TRUE(isAufsMeta(".wh..wh.plnk"));
}

TEST(ImageConfig, StopSignalByNameOrNumber) {
  EXPECT_EQ(*parseStopSignal("SIGQUIT"), SIGQUIT);
  EXPECT_EQ(*parseStopSignal("USR1"), SIGUSR1);
  EXPECT_EQ(*parseStopSignal("9"), SIGKILL);
  EXPECT_FALSE(parseStopSignal("SIGNOPE"));
  EXPECT_FALSE(parseStopSignal("0"));
}

}  // namespace
}  // namespace podkeeper::image
