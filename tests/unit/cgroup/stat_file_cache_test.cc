// StatFileCache on fixture directories: fds kept between scrapes, eviction, recreation,
// budget and EMFILE fallback. (The same against real cgroups: tests/integration/metrics.)
#include "runtime/cgroup/stat_file_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "fixture_tree.h"
#include "runtime/cgroup/cgroup_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::FixtureTree;
namespace fs = std::filesystem;

// The fds of this process whose target lies under root, and how many of them lack
// FD_CLOEXEC.
struct FdsUnder {
  size_t count = 0;
  size_t withoutCloexec = 0;
};
FdsUnder fdsUnder(const std::string& root) {
  FdsUnder out;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = fs::read_symlink(e.path(), ec).string();
    if (ec || target.rfind(root, 0) != 0) continue;
    ++out.count;
    const int fd = std::stoi(e.path().filename().string());
    if (!(::fcntl(fd, F_GETFD) & FD_CLOEXEC)) ++out.withoutCloexec;
  }
  return out;
}

class StatFileCacheTest : public ::testing::Test {
 protected:
  std::optional<std::string> read(StatFileCache& cache, const std::string& rel, const char* file) {
    auto d = cache.dir(tree_.path(rel));
    if (!d) return std::nullopt;
    auto text = (*d)->tryRead(file, buf_);
    return text ? std::optional<std::string>(*text) : std::nullopt;
  }

  FixtureTree tree_;
  std::string buf_;
};

TEST_F(StatFileCacheTest, ReadsTheCurrentContentThroughTheKeptFd) {
  tree_.write("pk/c1/memory.usage_in_bytes", "100\n");
  StatFileCache cache(100);
  EXPECT_EQ(read(cache, "pk/c1", "memory.usage_in_bytes"), "100\n");
  cache.sweep();
  const FdsUnder before = fdsUnder(tree_.root());
  tree_.write("pk/c1/memory.usage_in_bytes", "250\n");  // in place, as the kernel updates it

  EXPECT_EQ(read(cache, "pk/c1", "memory.usage_in_bytes"), "250\n");
  cache.sweep();

  EXPECT_EQ(cache.openFds(), 2u);                         // the directory and the file
  EXPECT_EQ(fdsUnder(tree_.root()).count, before.count);  // no new open
  EXPECT_EQ(before.count, 2u);
  EXPECT_EQ(cache.uncachedReads(), 0u);
}

TEST_F(StatFileCacheTest, EveryKeptFdIsCloseOnExec) {
  tree_.write("pk/c1/cpu.stat", "nr_periods 1\n");
  tree_.write("pk/c1/cpu.shares", "2\n");
  StatFileCache cache(100);
  ASSERT_TRUE(read(cache, "pk/c1", "cpu.stat"));
  ASSERT_TRUE(read(cache, "pk/c1", "cpu.shares"));

  const FdsUnder fds = fdsUnder(tree_.root());
  EXPECT_EQ(fds.count, 3u);
  EXPECT_EQ(fds.withoutCloexec, 0u);
}

TEST_F(StatFileCacheTest, ADirectoryNotAskedForInAScrapeIsClosedAtItsSweep) {
  tree_.write("pk/c1/cpu.shares", "2\n");
  tree_.write("pk/c2/cpu.shares", "4\n");
  StatFileCache cache(100);
  ASSERT_TRUE(read(cache, "pk/c1", "cpu.shares"));
  ASSERT_TRUE(read(cache, "pk/c2", "cpu.shares"));
  cache.sweep();
  ASSERT_EQ(fdsUnder(tree_.root()).count, 4u);

  ASSERT_TRUE(read(cache, "pk/c1", "cpu.shares"));  // c2 stopped: no longer listed
  cache.sweep();

  EXPECT_EQ(cache.directories(), 1u);
  EXPECT_EQ(cache.openFds(), 2u);
  EXPECT_EQ(fdsUnder(tree_.path("pk/c2")).count, 0u);
  EXPECT_EQ(fdsUnder(tree_.root()).count, 2u);
}

TEST_F(StatFileCacheTest, ARemovedDirectoryFailsWithEnoentAndItsFdsCloseAtOnce) {
  tree_.write("pk/c1/cpu.shares", "2\n");
  StatFileCache cache(100);
  ASSERT_TRUE(read(cache, "pk/c1", "cpu.shares"));
  cache.sweep();
  fs::remove_all(tree_.path("pk/c1"));

  auto d = cache.dir(tree_.path("pk/c1"));

  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code, ENOENT);
  EXPECT_EQ(cache.openFds(), 0u);  // before the sweep
  EXPECT_EQ(fdsUnder(tree_.root()).count, 0u);
  cache.sweep();
  EXPECT_EQ(cache.directories(), 0u);
}

TEST_F(StatFileCacheTest, ADirectoryRecreatedAtTheSamePathIsReadThroughFreshFds) {
  tree_.write("pk/c1/memory.limit_in_bytes", "1000\n");
  StatFileCache cache(100);
  ASSERT_EQ(read(cache, "pk/c1", "memory.limit_in_bytes"), "1000\n");
  cache.sweep();
  // A restart: the old directory goes, a new one (new inode) appears at the same path. On a
  // regular filesystem the old fd would still read the old, unlinked file.
  fs::rename(tree_.path("pk/c1"), tree_.path("pk/old"));
  tree_.write("pk/c1/memory.limit_in_bytes", "2000\n");

  EXPECT_EQ(read(cache, "pk/c1", "memory.limit_in_bytes"), "2000\n");
  cache.sweep();
  EXPECT_EQ(fdsUnder(tree_.path("pk/old")).count, 0u);
  EXPECT_EQ(fdsUnder(tree_.path("pk/c1")).count, 2u);
}

TEST_F(StatFileCacheTest, ADirectoryTiedToARecreatedOneIsReadThroughFreshFds) {
  tree_.write("pids/pk/c1/tasks", "");
  tree_.write("memory/pk/c1/memory.limit_in_bytes", "1000\n");
  StatFileCache cache(100);
  const auto scrape = [&]() -> std::optional<std::string> {
    auto primary = cache.dir(tree_.path("pids/pk/c1"));
    if (!primary) return std::nullopt;
    auto memory = cache.dir(tree_.path("memory/pk/c1"), (*primary)->identity());
    if (!memory) return std::nullopt;
    auto text = (*memory)->tryRead("memory.limit_in_bytes", buf_);
    cache.sweep();
    return text ? std::optional<std::string>(*text) : std::nullopt;
  };
  ASSERT_EQ(scrape(), "1000\n");
  ASSERT_EQ(scrape(), "1000\n");
  ASSERT_EQ(cache.openFds(), 3u);  // kept: two directories and one file
  for (const char* h : {"pids", "memory"}) {  // the cgroup removed and created again
    fs::rename(tree_.path(std::string(h) + "/pk/c1"), tree_.path(std::string(h) + "/pk/old"));
  }
  tree_.write("pids/pk/c1/tasks", "");
  tree_.write("memory/pk/c1/memory.limit_in_bytes", "2000\n");

  EXPECT_EQ(scrape(), "2000\n");
  EXPECT_EQ(fdsUnder(tree_.path("memory/pk/old")).count, 0u);
  EXPECT_EQ(cache.openFds(), 3u);
}

TEST_F(StatFileCacheTest, BeyondTheBudgetFilesAreReadWithOpenReadClose) {
  for (const char* f : {"a", "b", "c", "d"}) {
    tree_.write(std::string("pk/c1/") + f, std::string(f) + "\n");
    tree_.write(std::string("pk/c2/") + f, std::string(f) + f + "\n");
  }
  StatFileCache cache(3);
  for (int scrape = 0; scrape < 2; ++scrape) {
    for (const char* f : {"a", "b", "c", "d"}) {
      EXPECT_EQ(read(cache, "pk/c1", f), std::string(f) + "\n");
      EXPECT_EQ(read(cache, "pk/c2", f), std::string(f) + f + "\n");
    }
    cache.sweep();
  }

  EXPECT_EQ(cache.openFds(), 3u);
  EXPECT_EQ(fdsUnder(tree_.root()).count, 3u);
  EXPECT_GT(cache.uncachedReads(), 0u);
}

TEST_F(StatFileCacheTest, NoFdBudgetKeepsNothingOpen) {
  tree_.write("pk/c1/a", "1\n");
  StatFileCache cache(0);
  EXPECT_EQ(read(cache, "pk/c1", "a"), "1\n");
  EXPECT_EQ(cache.openFds(), 0u);
  EXPECT_EQ(fdsUnder(tree_.root()).count, 0u);
}

// Lowers RLIMIT_NOFILE's soft limit for the scope of one test.
class SoftFdLimit {
 public:
  explicit SoftFdLimit(rlim_t soft) {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lower = saved_;
    lower.rlim_cur = soft;
    ::setrlimit(RLIMIT_NOFILE, &lower);
  }
  ~SoftFdLimit() { ::setrlimit(RLIMIT_NOFILE, &saved_); }

 private:
  rlimit saved_{};
};

// The soft limit that leaves exactly `free` fd numbers unused below it.
rlim_t limitLeavingFree(size_t free) {
  std::set<size_t> used;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    used.insert(std::stoul(e.path().filename().string()));
  }
  size_t n = 0;
  for (size_t left = free + 1;; ++n) {  // +1: the directory_iterator's own fd, closed by now
    if (!used.contains(n) && --left == 0) break;
  }
  return n;
}

TEST_F(StatFileCacheTest, RunningOutOfFdsLowersTheBudgetAndStillReadsEveryFile) {
  for (int d = 0; d < 10; ++d) {
    for (const char* f : {"a", "b", "c", "d"}) {
      tree_.write("pk/c" + std::to_string(d) + "/" + f, std::to_string(d) + f + "\n");
    }
  }
  StatFileCache cache(10000);  // far more than the process may open
  std::vector<std::optional<std::string>> got;
  {
    SoftFdLimit limit(limitLeavingFree(12));
    for (int scrape = 0; scrape < 2; ++scrape) {
      got.clear();
      for (int d = 0; d < 10; ++d) {
        for (const char* f : {"a", "b", "c", "d"}) {
          got.push_back(read(cache, "pk/c" + std::to_string(d), f));
        }
      }
      cache.sweep();
    }
  }

  size_t i = 0;
  for (int d = 0; d < 10; ++d) {
    for (const char* f : {"a", "b", "c", "d"}) {
      EXPECT_EQ(got[i++], std::to_string(d) + f + "\n") << "c" << d << "/" << f;
    }
  }
  EXPECT_LT(cache.maxFds(), 12u);
  EXPECT_LE(cache.openFds(), cache.maxFds());
}

TEST_F(StatFileCacheTest, ChildrenComeFromTheLinkCountAndAreReadAgainEachScrape) {
  tree_.mkdirs("pk/pod/c1");
  tree_.write("pk/pod/cgroup.procs", "");
  StatFileCache cache(100);
  auto pod = cache.dir(tree_.path("pk/pod"));
  ASSERT_TRUE(pod.has_value());
  auto children = (*pod)->children();
  ASSERT_TRUE(children.has_value());
  EXPECT_EQ(**children, std::vector<std::string>{"c1"});
  cache.sweep();
  tree_.mkdirs("pk/pod/c2");

  pod = cache.dir(tree_.path("pk/pod"));
  ASSERT_TRUE(pod.has_value());
  children = (*pod)->children();
  ASSERT_TRUE(children.has_value());
  std::vector<std::string> names = **children;
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"c1", "c2"}));

  auto leaf = cache.dir(tree_.path("pk/pod/c1"));
  ASSERT_TRUE(leaf.has_value());
  children = (*leaf)->children();
  ASSERT_TRUE(children.has_value());
  EXPECT_TRUE((*children)->empty());
}

TEST_F(StatFileCacheTest, FreshReadsKeepNoFd) {
  tree_.write("pk/c1/tasks", "1\n2\n");
  StatFileCache cache(100);
  auto d = cache.dir(tree_.path("pk/c1"));
  ASSERT_TRUE(d.has_value());
  auto text = (*d)->readFresh("tasks", buf_);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, "1\n2\n");
  EXPECT_EQ(cache.openFds(), 1u);  // the directory only
}

TEST_F(StatFileCacheTest, AnAbsentFileReadsAsNothingAndKeepsNoFd) {
  tree_.mkdirs("pk/c1");
  StatFileCache cache(100);
  EXPECT_EQ(read(cache, "pk/c1", "memory.swap.current"), std::nullopt);
  EXPECT_EQ(cache.openFds(), 1u);
}

TEST_F(StatFileCacheTest, ATreeIsCountedOncePerScrapeAndAfreshInTheNext) {
  tree_.write("pk/pod/cgroup.procs", "");
  tree_.write("pk/pod/tasks", "");
  tree_.write("pk/pod/c1/cgroup.procs", "10\n");
  tree_.write("pk/pod/c1/tasks", "10\n11\n");
  StatFileCache cache(100);
  auto pod = countTasksInTree(cache, tree_.path("pk/pod"), "tasks", buf_);
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ(pod->processes, 1u);
  EXPECT_EQ(pod->threads, 2u);
  tree_.write("pk/pod/c1/cgroup.procs", "10\n20\n");
  tree_.write("pk/pod/c1/tasks", "10\n11\n20\n");

  // The container row in the same scrape: the count its pod row just made.
  auto sameScrape = countTasksInTree(cache, tree_.path("pk/pod/c1"), "tasks", buf_);
  cache.sweep();
  auto nextScrape = countTasksInTree(cache, tree_.path("pk/pod/c1"), "tasks", buf_);

  ASSERT_TRUE(sameScrape.has_value());
  EXPECT_EQ(sameScrape->processes, 1u);
  ASSERT_TRUE(nextScrape.has_value());
  EXPECT_EQ(nextScrape->processes, 2u);
  EXPECT_EQ(nextScrape->threads, 3u);
}

}  // namespace
}  // namespace podkeeper::runtime::cgroup
