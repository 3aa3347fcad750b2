#include "runtime/sys/file_tree.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/unique_fd.h"
#include "runtime/sandbox/fs_group.h"

// Walks of trees a container may have built: iterative and bounded.
namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A chain of `depth` directories "d" below root, made iteratively with mkdirat.
void makeDeepTree(const std::string& root, int depth) {
  UniqueFd cur(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(cur.valid());
  for (int i = 0; i < depth; ++i) {
    ASSERT_EQ(::mkdirat(cur.get(), "d", 0755), 0) << "depth " << i;
    cur = UniqueFd(::openat(cur.get(), "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(cur.valid());
  }
}

class FileTree : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (fs::temp_directory_path() / ("pk-file-tree-" + std::to_string(::getpid()))).string();
    ASSERT_TRUE(removeTree(dir_).has_value());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    auto r = removeTree(dir_);
    EXPECT_TRUE(r.has_value()) << r.error().message;
  }
  std::string dir_;
};

TEST_F(FileTree, DiskUsageCountsFilesBelowEveryDirectory) {
  fs::create_directories(dir_ + "/a/b");
  std::ofstream(dir_ + "/a/b/f") << std::string(1 << 20, 'x');
  auto used = diskUsage(dir_);
  ASSERT_TRUE(used.has_value()) << used.error().message;
  EXPECT_GE(*used, uint64_t(1 << 20));
  EXPECT_LT(*used, uint64_t(1 << 20) + 64 * 1024);
}

TEST_F(FileTree, DiskUsageCountsAHardLinkedFileOnce) {
  std::ofstream(dir_ + "/f") << std::string(1 << 20, 'x');
  fs::create_hard_link(dir_ + "/f", dir_ + "/g");
  auto used = diskUsage(dir_);
  ASSERT_TRUE(used.has_value()) << used.error().message;
  EXPECT_LT(*used, uint64_t(2) << 20);
}

TEST_F(FileTree, WalkDoesNotFollowSymlinks) {
  fs::create_directories(dir_ + "/outside/x");
  fs::create_directories(dir_ + "/tree");
  fs::create_directory_symlink(dir_ + "/outside", dir_ + "/tree/link");
  int seen = 0;
  UniqueFd root(::open((dir_ + "/tree").c_str(), O_RDONLY | O_DIRECTORY));
  auto r = walkTree(root.get(), "tree", {}, [&](const TreeEntry& e) -> Result<void> {
    ++seen;
    EXPECT_STREQ(e.name, "link");
    return {};
  });
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(seen, 1);
}

TEST_F(FileTree, ATreeDeeperThanTheBudgetIsRefusedNamingWhereItStopped) {
  makeDeepTree(dir_, 20);
  UniqueFd root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY));
  auto r = walkTree(root.get(), dir_, {.maxDepth = 10},
                    [](const TreeEntry&) -> Result<void> { return {}; });
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr(dir_ + "/d/d/d/d/d/d/d/d/d/d/d: more than 10 "
                                                  "directories deep"));
}

TEST_F(FileTree, MoreEntriesThanTheBudgetAreRefused) {
  for (int i = 0; i < 10; ++i) std::ofstream(dir_ + "/f" + std::to_string(i));
  UniqueFd root(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY));
  auto r = walkTree(root.get(), dir_, {.maxEntries = 5},
                    [](const TreeEntry&) -> Result<void> { return {}; });
  ASSERT_FALSE(r.has_value());
  EXPECT_THAT(r.error().message, HasSubstr("more than 5 entries below " + dir_));
}

// 10000 levels of "d/" are 20000 characters: far past PATH_MAX, so no path-based removal (as
// std::filesystem::remove_all) gets through.
TEST_F(FileTree, RemoveTreeRemovesATreeFarDeeperThanPathMax) {
  fs::create_directories(dir_ + "/deep");
  makeDeepTree(dir_ + "/deep", 10000);
  std::ofstream(dir_ + "/deep/file") << "x";
  auto r = removeTree(dir_ + "/deep");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_FALSE(fs::exists(dir_ + "/deep"));
}

TEST_F(FileTree, RemoveTreeLeavesWhatASymlinkPointsTo) {
  fs::create_directories(dir_ + "/keep");
  std::ofstream(dir_ + "/keep/file") << "x";
  fs::create_directories(dir_ + "/tree");
  fs::create_directory_symlink(dir_ + "/keep", dir_ + "/tree/link");
  ASSERT_TRUE(removeTree(dir_ + "/tree").has_value());
  EXPECT_FALSE(fs::exists(dir_ + "/tree"));
  EXPECT_TRUE(fs::exists(dir_ + "/keep/file"));
}

// Item 10 of issue 10: before, the fsGroup walk recursed once per directory level, and a tree
// 100000 deep (which a container can build in its emptyDir) blew the agent's stack at the
// pod's next start. Run in a child so the test sees the crash instead of dying of it.
TEST_F(FileTree, FsGroupWalkOfATree100000DeepFailsTheVolumeNotTheAgent) {
  makeDeepTree(dir_, 100000);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto r = applyFsGroup(dir_, ::getegid(), FsGroupChange::Always, false);
    const bool named = !r.has_value() && r.error().message.find("directories deep below " + dir_) !=
                                             std::string::npos;
    ::_exit(named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the walk crashed: signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "no error naming the path";
}

TEST_F(FileTree, FsGroupWalkWithinTheBudgetOwnsEveryLevel) {
  makeDeepTree(dir_, 100);
  auto r = applyFsGroup(dir_, ::getegid(), FsGroupChange::Always, false);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  std::string deepest = dir_;
  for (int i = 0; i < 100; ++i) deepest += "/d";
  struct stat st {};
  ASSERT_EQ(::stat(deepest.c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, ::getegid());
  EXPECT_EQ(st.st_mode & 02070, 02070u) << std::oct << st.st_mode;
}

}  // namespace
}  // namespace podkeeper::runtime
