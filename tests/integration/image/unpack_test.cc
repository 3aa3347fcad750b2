#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"
#include "image/oci/digest.h"
#include "image/unpack/layer_unpack.h"
#include "layer_builder.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::image {
namespace {

using testing::buildTar;
using testing::LayerCompression;
using testing::TarEntry;

// Applies `tar` into dir/snap (made here) and returns the result.
Result<LayerUnpackStats> unpackInto(const support::TempDir& dir, const std::string& tar) {
  const std::string blob = dir.file("layer.tar");
  std::ofstream(blob, std::ios::binary) << tar;
  std::filesystem::create_directories(dir.file("snap"));
  UniqueFd in(::open(blob.c_str(), O_RDONLY | O_CLOEXEC));
  UniqueFd target(::open(dir.file("snap").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return applyLayer(in.get(), target.get(), sha256Digest(tar));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(LayerUnpack, ReportsBothDigestsOfTheStream) {
  support::TempDir dir;
  const std::string tar = buildTar({{.name = "etc/conf", .data = "x"}});
  const std::string gz = buildTar({{.name = "etc/conf", .data = "x"}}, LayerCompression::kGzip);
  auto r = unpackInto(dir, gz);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->digest, sha256Digest(gz));
  EXPECT_EQ(r->diffId, sha256Digest(tar));
}

TEST(LayerUnpack, AGzipLayerCutInAFileIsAnErrorNotACrash) {
  support::TempDir dir;
  std::string data(300 << 10, '\0');
  uint32_t x = 7;
  for (auto& c : data) c = static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  const std::string gz = buildTar({{.name = "big", .data = data}}, LayerCompression::kGzip);
  auto r = unpackInto(dir, gz.substr(0, gz.size() / 2));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("entry \"big\""), std::string::npos) << r.error().message;
}

TEST(LayerUnpack, KeepsOwnersModesSetuidDevicesXattrsAndMtimes) {
  support::TempDir dir;
  const std::string tar = buildTar({
      {.type = TarEntry::kDir, .name = "bin/", .mode = 0755},
      {.type = TarEntry::kFile, .name = "bin/su", .data = "x", .mode = 04755, .uid = 0},
      {.type = TarEntry::kFile,
       .name = "home/app/f",
       .data = "data",
       .mode = 0600,
       .uid = 1000,
       .gid = 1001,
       .xattrs = {{"user.test", "v"}, {"trusted.overlay.redirect", "/etc"}}},
      {.type = TarEntry::kSymlink, .name = "bin/sh", .target = "/bin/busybox"},
      {.type = TarEntry::kCharDev, .name = "dev/null", .mode = 0666, .major = 1, .minor = 3},
  });
  auto r = unpackInto(dir, tar);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->digest, sha256Digest(tar));
  struct stat st {};
  ASSERT_EQ(::stat(dir.file("snap/bin/su").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_mtime, 1700000000);
  ASSERT_EQ(::stat(dir.file("snap/home/app/f").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(slurp(dir.file("snap/home/app/f")), "data");
  char buf[16] = {};
  EXPECT_EQ(::getxattr(dir.file("snap/home/app/f").c_str(), "user.test", buf, sizeof buf), 1);
  EXPECT_LT(
      ::getxattr(dir.file("snap/home/app/f").c_str(), "trusted.overlay.redirect", buf, sizeof buf),
      0);  // overlayfs's attributes never come from a layer
  EXPECT_EQ(std::filesystem::read_symlink(dir.file("snap/bin/sh")), "/bin/busybox");
  ASSERT_EQ(::lstat(dir.file("snap/dev/null").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
}

TEST(LayerUnpack, WhiteoutsBecomeOverlayWhiteouts) {
  support::TempDir dir;
  auto r = unpackInto(dir, buildTar({{.type = TarEntry::kDir, .name = "etc/", .mode = 0755},
                                     {.type = TarEntry::kFile, .name = "etc/.wh.passwd"},
                                     {.type = TarEntry::kDir, .name = "var/", .mode = 0755},
                                     {.type = TarEntry::kFile, .name = "var/.wh..wh..opq"},
                                     {.type = TarEntry::kFile, .name = "var/kept", .data = "k"}}));
  ASSERT_TRUE(r) << r.error().message;
  struct stat st {};
  ASSERT_EQ(::lstat(dir.file("snap/etc/passwd").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(std::filesystem::exists(dir.file("snap/etc/.wh.passwd")));
  char v[4] = {};
  EXPECT_EQ(::getxattr(dir.file("snap/var").c_str(), "trusted.overlay.opaque", v, sizeof v), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_EQ(slurp(dir.file("snap/var/kept")), "k");
}

TEST(LayerUnpack, GzipAndZstdLayersUnpack) {
  for (auto c : {LayerCompression::kGzip, LayerCompression::kZstd}) {
    support::TempDir dir;
    const std::string tar = buildTar({{.name = "a", .data = "compressed"}}, c);
    auto r = unpackInto(dir, tar);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->digest, sha256Digest(tar));
    EXPECT_EQ(slurp(dir.file("snap/a")), "compressed");
  }
}

TEST(LayerUnpackHostile, DotDotEntryIsRefusedNamingLayerAndEntry) {
  support::TempDir dir;
  const std::string tar = buildTar({{.name = "../escaped", .data = "x"}});
  auto r = unpackInto(dir, tar);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(sha256Digest(tar)), std::string::npos);
  EXPECT_NE(r.error().message.find("../escaped"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("escaped")));
}

TEST(LayerUnpackHostile, AbsoluteSymlinkThenWriteThroughItIsRefused) {
  support::TempDir dir;
  std::filesystem::create_directories(dir.file("host"));
  auto r = unpackInto(
      dir, buildTar({{.type = TarEntry::kSymlink, .name = "evil", .target = dir.file("host")},
                     {.name = "evil/planted", .data = "x"}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("evil/planted"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("symlink"), std::string::npos) << r.error().message;
  EXPECT_FALSE(std::filesystem::exists(dir.file("host/planted")));
}

TEST(LayerUnpackHostile, HardLinkToAHostFileIsRefused) {
  support::TempDir dir;
  std::ofstream(dir.file("secret")) << "host secret";
  for (const std::string& target : {dir.file("secret"), std::string("../secret")}) {
    auto r = unpackInto(
        dir, buildTar({{.type = TarEntry::kHardlink, .name = "stolen", .target = target}}));
    ASSERT_FALSE(r) << target;
    EXPECT_NE(r.error().message.find("stolen"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(dir.file("snap/stolen")));
  }
}

TEST(LayerUnpackHostile, HardLinkThroughAPlantedSymlinkIsRefused) {
  support::TempDir dir;
  std::ofstream(dir.file("secret")) << "host secret";
  auto r = unpackInto(
      dir, buildTar({{.type = TarEntry::kSymlink, .name = "up", .target = dir.path()},
                     {.type = TarEntry::kHardlink, .name = "stolen", .target = "up/secret"}}));
  ASSERT_FALSE(r);
  EXPECT_FALSE(std::filesystem::exists(dir.file("snap/stolen")));
}

TEST(LayerUnpackHostile, RelativeSymlinkDirThenFileUnderItIsRefused) {
  support::TempDir dir;
  auto r = unpackInto(dir, buildTar({{.type = TarEntry::kSymlink, .name = "d", .target = "../.."},
                                     {.name = "d/owned", .data = "x"}}));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("d/owned"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.file("owned")));
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir.path()).parent_path() / "owned"));
}

TEST(LayerUnpackHostile, AbsoluteEntryNameIsRefused) {
  support::TempDir dir;
  auto r = unpackInto(dir, buildTar({{.name = dir.file("abs"), .data = "x"}}));
  ASSERT_FALSE(r);
  EXPECT_FALSE(std::filesystem::exists(dir.file("abs")));
}

}  // namespace
}  // namespace podkeeper::image
