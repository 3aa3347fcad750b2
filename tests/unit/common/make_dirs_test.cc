// makeDirs: mkdir -p, deepest first, never at or above its stop.
#include "common/make_dirs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace podkeeper {
namespace {

class MakeDirsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/pk-make-dirs-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    oldMask_ = ::umask(0);
  }
  void TearDown() override {
    ::umask(oldMask_);
    std::filesystem::remove_all(root_);
  }
  static bool isDir(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }
  static mode_t modeOf(const std::string& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  std::string root_;
  mode_t oldMask_ = 0;
};

TEST_F(MakeDirsTest, MakesEveryMissingLevelWithTheMode) {
  const std::string deep = root_ + "/a/b/c";
  ASSERT_TRUE(makeDirs(deep, 0711).has_value());
  for (const char* p : {"/a", "/a/b", "/a/b/c"}) {
    EXPECT_TRUE(isDir(root_ + p)) << p;
    EXPECT_EQ(modeOf(root_ + p), 0711u) << p;
  }
}

TEST_F(MakeDirsTest, ExistingLevelsKeepTheirModeAndAnExistingPathIsNoError) {
  ASSERT_EQ(::mkdir((root_ + "/a").c_str(), 0700), 0);
  ASSERT_TRUE(makeDirs(root_ + "/a/b", 0755).has_value());
  EXPECT_EQ(modeOf(root_ + "/a"), 0700u);
  EXPECT_EQ(modeOf(root_ + "/a/b"), 0755u);
  ASSERT_TRUE(makeDirs(root_ + "/a/b", 0711).has_value());
  EXPECT_EQ(modeOf(root_ + "/a/b"), 0755u);
  ASSERT_TRUE(makeDirs(root_ + "/a/b/", 0755).has_value());
}

TEST_F(MakeDirsTest, TrailingAndDoubledSlashesAndRelativePaths) {
  ASSERT_TRUE(makeDirs(root_ + "/x//y///z/", 0755).has_value());
  EXPECT_TRUE(isDir(root_ + "/x/y/z"));
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(::chdir(root_.c_str()), 0);
  const auto r = makeDirs("rel/one", 0755);
  ASSERT_EQ(::chdir(cwd), 0);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(isDir(root_ + "/rel/one"));
  EXPECT_TRUE(makeDirs("", 0755).has_value());
}

TEST_F(MakeDirsTest, NothingIsMadeAtOrAboveTheStop) {
  const std::string base = root_ + "/base";
  auto r = makeDirs(base + "/p/q", 0755, base);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOENT);
  EXPECT_NE(r.error().message.find(base + "/p"), std::string::npos) << r.error().message;
  EXPECT_FALSE(isDir(base));
  ASSERT_EQ(::mkdir(base.c_str(), 0700), 0);
  ASSERT_TRUE(makeDirs(base + "/p/q", 0755, base).has_value());
  EXPECT_TRUE(isDir(base + "/p/q"));
  EXPECT_EQ(modeOf(base), 0700u);
}

TEST_F(MakeDirsTest, AFileInTheWayFailsNamingThePath) {
  std::ofstream(root_ + "/file") << "x";
  auto r = makeDirs(root_ + "/file/sub/dir", 0755);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOTDIR);
  EXPECT_NE(r.error().message.find(root_ + "/file/sub"), std::string::npos) << r.error().message;
  // An existing non-directory at the path itself counts as there, as mkdir -p's callers took it.
  EXPECT_TRUE(makeDirs(root_ + "/file", 0755).has_value());
}

TEST_F(MakeDirsTest, ADanglingSymlinkOnThePathFailsInsteadOfLooping) {
  ASSERT_EQ(::symlink((root_ + "/nowhere").c_str(), (root_ + "/link").c_str()), 0);
  auto r = makeDirs(root_ + "/link/sub", 0755);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ENOENT);
}

}  // namespace
}  // namespace podkeeper
