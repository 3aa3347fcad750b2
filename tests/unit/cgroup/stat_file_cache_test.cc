// StatFileCache on fixture directories: fds kept between scrapes, eviction, recreation,
// budget and EMFILE fallback. (The same against real cgroups: tests/integration/metrics.)
#include "runtime/cgroup/stat_file_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "fd_census.h"
#include "runtime/cgroup/cgroup_tree.h"
#include "stat_file_fixture.h"

namespace podkeeper::runtime::cgroup {
namespace {

namespace fs = std::filesystem;

using testing::fdsUnder;
using testing::FdsUnder;

class StatFileCacheTest : public testing::StatFileFixture {};

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
  ASSERT_EQ(cache.openFds(), 3u);             // kept: two directories and one file
  for (const char* h : {"pids", "memory"}) {  // the cgroup removed and created again
    fs::rename(tree_.path(std::string(h) + "/pk/c1"), tree_.path(std::string(h) + "/pk/old"));
  }
  tree_.write("pids/pk/c1/tasks", "");
  tree_.write("memory/pk/c1/memory.limit_in_bytes", "2000\n");

  EXPECT_EQ(scrape(), "2000\n");
  EXPECT_EQ(fdsUnder(tree_.path("memory/pk/old")).count, 0u);
  EXPECT_EQ(cache.openFds(), 3u);
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
