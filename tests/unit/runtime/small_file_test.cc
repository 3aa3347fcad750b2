#include "runtime/sys/small_file.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/image/image_store.h"

// The one way to read a small file something untrusted placed: bounded, non-blocking, no
// symlink out of its tree.
namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SmallFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("pk-small-file-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "rootfs/etc");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string rootfs() const { return (dir_ / "rootfs").string(); }
  fs::path dir_;
};

TEST_F(SmallFile, ReadsARegularFileWithinItsLimit) {
  std::ofstream(dir_ / "rootfs/etc/passwd") << "root:x:0:0::/root:/bin/sh\n";
  auto r = readSmallFile(rootfs(), "etc/passwd", {.maxBytes = 100});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, "root:x:0:0::/root:/bin/sh\n");
}

TEST_F(SmallFile, AFileOverItsLimitIsRefusedNamingIt) {
  std::ofstream(dir_ / "rootfs/etc/group") << std::string(101, 'x');
  auto r = readSmallFile(rootfs(), "etc/group", {.maxBytes = 100});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr(rootfs() + "/etc/group: larger than 100 bytes"));
}

TEST_F(SmallFile, TruncateReturnsTheFirstBytesOnly) {
  std::ofstream(dir_ / "rootfs/msg") << std::string(5000, 'm');
  auto r = readSmallFile(rootfs(), "msg", {.maxBytes = 4096, .truncate = true});
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->size(), 4096u);
}

// procfs files report size 0: the buffer grows past what fstat said, up to the limit.
TEST_F(SmallFile, AFileLargerThanItsReportedSizeIsReadToTheLimit) {
  auto cut = readSmallFile("/proc/self", "smaps", {.maxBytes = 10000, .truncate = true});
  ASSERT_TRUE(cut.has_value()) << cut.error().message;
  EXPECT_EQ(cut->size(), 10000u);
  auto refused = readSmallFile("/proc/self", "smaps", {.maxBytes = 10000});
  ASSERT_FALSE(refused.has_value());
  EXPECT_THAT(refused.error().message, HasSubstr("smaps: larger than 10000 bytes"));
  auto whole = readSmallFile("/proc/self", "stat", {.maxBytes = 4096});
  ASSERT_TRUE(whole.has_value()) << whole.error().message;
  EXPECT_THAT(*whole, ::testing::StartsWith(std::to_string(::getpid()) + " ("));
}

TEST_F(SmallFile, AFifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((dir_ / "rootfs/etc/passwd").c_str(), 0644), 0);
  auto r = readSmallFile(rootfs(), "etc/passwd", {.maxBytes = 100});
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("etc/passwd: not a regular file"));
}

TEST_F(SmallFile, ASymlinkIsRefusedUnlessFollowedInsideTheRoot) {
  std::ofstream(dir_ / "secret") << "host secret";
  fs::create_symlink("../../secret", dir_ / "rootfs/etc/passwd");
  EXPECT_FALSE(readSmallFile(rootfs(), "etc/passwd", {.maxBytes = 100}).has_value());
  // In the root, "../../secret" stops at the root: rootfs/secret, which does not exist.
  auto inRoot =
      readSmallFile(rootfs(), "etc/passwd", {.maxBytes = 100, .followSymlinksInRoot = true});
  ASSERT_FALSE(inRoot.has_value());
  EXPECT_EQ(inRoot.error().code, ENOENT);
  std::ofstream(dir_ / "rootfs/secret") << "image file";
  inRoot = readSmallFile(rootfs(), "etc/passwd", {.maxBytes = 100, .followSymlinksInRoot = true});
  ASSERT_TRUE(inRoot.has_value()) << inRoot.error().message;
  EXPECT_EQ(*inRoot, "image file");
}

// Item 10 of issue 10: the image's files are read through it.
TEST_F(SmallFile, ImagePasswdThatIsAFifoDoesNotHangTheAgent) {
  ASSERT_EQ(::mkfifo((dir_ / "rootfs/etc/passwd").c_str(), 0644), 0);
  // Before: open(O_RDONLY) of a FIFO with no writer blocks for ever. A child keeps the test
  // from hanging with it.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(5);
    auto r = readImageFile(rootfs(), "etc/passwd");
    ::_exit(!r.has_value() && r.error().message.find("not a regular file") != std::string::npos
                ? 0
                : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << " (hung)";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(SmallFile, ImageGroupOf100MiBIsRefusedNamingTheFile) {
  { std::ofstream(dir_ / "rootfs/etc/group"); }
  fs::resize_file(dir_ / "rootfs/etc/group", 100 << 20);  // sparse: no disk needed
  auto r = readImageFile(rootfs(), "etc/group");
  ASSERT_FALSE(r.has_value()) << "read " << r->size() << " bytes";
  EXPECT_THAT(r.error().message, HasSubstr(rootfs() + "/etc/group: larger than"));
}

TEST_F(SmallFile, ImageConfigThatIsAFifoIsRefused) {
  ASSERT_EQ(::mkfifo((dir_ / "config.json").c_str(), 0644), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::alarm(5);
    ::_exit(readImageUser(rootfs()).has_value() ? 1 : 0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << " (hung)";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace podkeeper::runtime
