#include "runtime/sandbox/atomic_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;

constexpr int64_t k2024 = 1714557600LL * 1'000'000'000 + 123456789;  // 2024-05-01 10:00:00 UTC

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(AtomicWriterNames, VersionDirectoryIsTheKubeletsTimestampFormatInUtc) {
  EXPECT_EQ(timestampDirName(k2024), "..2024_05_01_10_00_00.123456789");
}

TEST(AtomicWriterNames, UserVisibleNamesAreTheFirstComponents) {
  EXPECT_EQ(userVisibleNames({{"labels", "", 0644}, {"a/b/c", "", 0644}, {"a/d", "", 0644}}),
            (std::set<std::string>{"a", "labels"}));
}

TEST(AtomicWriterPayload, RefusesAbsoluteDotDotReservedAndDuplicatePaths) {
  EXPECT_EQ(checkPayload({{"labels", "x", 0644}, {"dir/name", "y", 0600}}), "");
  EXPECT_NE(checkPayload({{"/etc/passwd", "", 0644}}), "");
  EXPECT_NE(checkPayload({{"a/../../x", "", 0644}}), "");
  EXPECT_NE(checkPayload({{"..data", "", 0644}}), "");
  EXPECT_NE(checkPayload({{"a//b", "", 0644}}), "");
  EXPECT_NE(checkPayload({{"a", "", 0644}, {"a", "", 0644}}), "");
  EXPECT_NE(checkPayload({{"a", "", 01777}}), "");
}

class AtomicWriterDir : public ::testing::Test {
 protected:
  support::TempDir tmp_{"pk-unit-aw"};
  fs::path dir = fs::path(tmp_.path()) / "vol";
};

TEST_F(AtomicWriterDir, WritesVersionDirDataLinkAndLinksThroughIt) {
  auto r = writeAtomically(dir, {{"labels", "a=\"b\"", 0644}, {"sub/cpu", "2", 0600}}, std::nullopt,
                           k2024);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(*r);
  EXPECT_EQ(fs::read_symlink(dir / "..data"), "..2024_05_01_10_00_00.123456789");
  EXPECT_EQ(fs::read_symlink(dir / "labels"), "..data/labels");
  EXPECT_EQ(fs::read_symlink(dir / "sub"), "..data/sub");
  EXPECT_EQ(read(dir / "labels"), "a=\"b\"");
  EXPECT_EQ(read(dir / "sub/cpu"), "2");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "sub/cpu").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_FALSE(fs::exists(dir / "..data_tmp"));
}

TEST_F(AtomicWriterDir, SamePayloadWritesNothing) {
  const std::vector<DownwardAPIFile> files{{"labels", "x", 0644}};
  ASSERT_TRUE(writeAtomically(dir, files, std::nullopt, k2024));
  auto again = writeAtomically(dir, files, std::nullopt, k2024 + 1'000'000'000);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_FALSE(*again);
  EXPECT_EQ(fs::read_symlink(dir / "..data"), timestampDirName(k2024));
}

TEST_F(AtomicWriterDir, ChangedModeIsANewVersion) {
  ASSERT_TRUE(writeAtomically(dir, {{"labels", "x", 0644}}, std::nullopt, k2024));
  auto again = writeAtomically(dir, {{"labels", "x", 0400}}, std::nullopt, k2024 + 1);
  ASSERT_TRUE(again);
  EXPECT_TRUE(*again);
}

TEST_F(AtomicWriterDir, NewVersionSwapsDataRemovesTheOldOneAndStaleLinks) {
  ASSERT_TRUE(
      writeAtomically(dir, {{"labels", "old", 0644}, {"gone", "g", 0644}}, std::nullopt, k2024));
  const int64_t later = k2024 + 60LL * 1'000'000'000;
  auto r = writeAtomically(dir, {{"labels", "new", 0644}}, std::nullopt, later);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(fs::read_symlink(dir / "..data"), timestampDirName(later));
  EXPECT_EQ(read(dir / "labels"), "new");
  EXPECT_FALSE(fs::exists(dir / timestampDirName(k2024)));
  EXPECT_FALSE(fs::is_symlink(dir / "gone"));
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++entries;
  EXPECT_EQ(entries, 3u);  // the version, ..data, labels
}

TEST_F(AtomicWriterDir, BadPayloadIsRefusedBeforeAnythingIsWritten) {
  auto r = writeAtomically(dir, {{"../escape", "x", 0644}}, std::nullopt, k2024);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("../escape"), std::string::npos) << r.error().message;
  EXPECT_FALSE(fs::exists(dir));
}

}  // namespace
}  // namespace podkeeper::runtime
