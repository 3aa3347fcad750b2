// StatFileCache's fd budget on fixture directories: beyond it, and after EMFILE, files are
// read with open/read/close and every read still succeeds.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <set>

#include "fd_census.h"
#include "runtime/cgroup/stat_file_cache.h"
#include "stat_file_fixture.h"

namespace podkeeper::runtime::cgroup {
namespace {

using testing::fdsUnder;
namespace fs = std::filesystem;

class StatFileBudgetTest : public testing::StatFileFixture {};

TEST_F(StatFileBudgetTest, BeyondTheBudgetFilesAreReadWithOpenReadClose) {
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

TEST_F(StatFileBudgetTest, NoFdBudgetKeepsNothingOpen) {
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

TEST_F(StatFileBudgetTest, RunningOutOfFdsLowersTheBudgetAndStillReadsEveryFile) {
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

}  // namespace
}  // namespace podkeeper::runtime::cgroup
