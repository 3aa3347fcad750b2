#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/bundle/state_dir.h"
#include "tests/support/temp_dir.h"

// listSubdirs reads the entry types readdir gives (no stat per entry on every resync):
// directories and symlinks to directories count, files and dangling links do not.
namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

TEST(ListSubdirs, DirectoriesAndLinksToThemSortedFilesLeftOut) {
  support::TempDir dir{"pk-list-subdirs"};
  fs::create_directories(dir.file("b"));
  fs::create_directories(dir.file("a"));
  std::ofstream(dir.file("file")) << "x";
  fs::create_directory_symlink(dir.file("a"), dir.file("c-link"));
  fs::create_symlink(dir.file("nowhere"), dir.file("dangling"));
  fs::create_symlink(dir.file("file"), dir.file("file-link"));
  auto names = listSubdirs(dir.path());
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{"a", "b", "c-link"}));
}

TEST(ListSubdirs, AMissingDirectoryIsEmpty) {
  support::TempDir dir{"pk-list-subdirs"};
  auto names = listSubdirs(dir.file("absent"));
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->empty());
}

}  // namespace
}  // namespace podkeeper::runtime
