// ChangedDirs on real directories: a change to a watched directory's entries reports the
// owner it was watched for, and only it, once; a removed directory's watch is dropped.
#include "runtime/sys/changed_dirs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

std::set<std::string> owners(ChangedDirs& dirs) {
  auto c = dirs.take();
  EXPECT_FALSE(c.all);
  return c.owners;
}

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

TEST(ChangedDirs, AChangeReportsTheOwnerOfItsDirectoryOnce) {
  support::TempDir tmp("pk-changed");
  const fs::path a = fs::path(tmp.path()) / "a", b = fs::path(tmp.path()) / "b";
  fs::create_directories(a);
  fs::create_directories(b);
  ChangedDirs dirs;
  ASSERT_TRUE(dirs.active());
  ASSERT_TRUE(dirs.watch(a.string(), "pod-a"));
  ASSERT_TRUE(dirs.watch(b.string(), "pod-b"));
  EXPECT_TRUE(owners(dirs).empty());

  write(a / "stop.json", "{}");  // created
  EXPECT_EQ(owners(dirs), std::set<std::string>{"pod-a"});
  EXPECT_TRUE(owners(dirs).empty());  // reported once

  write(b / "x.tmp", "1");
  fs::rename(b / "x.tmp", b / "state.json");  // renamed in, as the shim writes
  EXPECT_EQ(owners(dirs), std::set<std::string>{"pod-b"});

  std::ofstream(a / "stop.json", std::ios::app) << "more";  // written in place
  EXPECT_EQ(owners(dirs), std::set<std::string>{"pod-a"});

  fs::remove(b / "state.json");
  EXPECT_EQ(owners(dirs), std::set<std::string>{"pod-b"});

  fs::create_directories(a / "sub");
  EXPECT_EQ(owners(dirs), std::set<std::string>{"pod-a"});
  write(a / "sub" / "deeper", "1");  // not an entry of a watched directory
  EXPECT_TRUE(owners(dirs).empty());
}

TEST(ChangedDirs, ARemovedDirectoryReportsItsOwnerAndDropsItsWatch) {
  support::TempDir tmp("pk-changed");
  const fs::path a = fs::path(tmp.path()) / "a";
  fs::create_directories(a);
  ChangedDirs dirs;
  ASSERT_TRUE(dirs.watch(tmp.path(), ""));
  ASSERT_TRUE(dirs.watch(a.string(), "pod-a"));
  ASSERT_TRUE(dirs.watch(a.string(), "pod-a"));  // again: the same watch
  EXPECT_EQ(dirs.watches(), 2u);
  fs::remove_all(a);
  EXPECT_EQ(owners(dirs), (std::set<std::string>{"", "pod-a"}));
  EXPECT_EQ(dirs.watches(), 1u);
  EXPECT_FALSE(dirs.watch(a.string(), "pod-a"));  // no such directory
}

}  // namespace
}  // namespace podkeeper::runtime
