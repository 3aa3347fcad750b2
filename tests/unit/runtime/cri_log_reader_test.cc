#include "runtime/logs/cri_log_reader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "runtime/logs/log_follower.h"
#include "runtime/logs/log_snapshot.h"

namespace podkeeper::runtime {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

TEST(ParseCriLine, SplitsTimeStreamTagAndText) {
  auto line = parseCriLine("2024-05-01T12:00:00.123456789Z stderr F hello world");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->time, "2024-05-01T12:00:00.123456789Z");
  EXPECT_EQ(line->stream, "stderr");
  EXPECT_FALSE(line->partial);
  EXPECT_EQ(line->text, "hello world");
}

TEST(ParseCriLine, EmptyTextIsAnEmptyLine) {
  auto line = parseCriLine("2024-05-01T12:00:00Z stdout F ");
  ASSERT_TRUE(line);
  EXPECT_EQ(line->text, "");
}

TEST(ParseCriLine, RejectsLinesNotInTheFormat) {
  EXPECT_FALSE(parseCriLine("just text"));
  EXPECT_FALSE(parseCriLine("2024-05-01T12:00:00Z stdin F x"));
  EXPECT_FALSE(parseCriLine("2024-05-01T12:00:00Z stdout X x"));
}

TEST(CriLogAssembler, JoinsPartialEntriesWithTheirFinalOne) {
  CriLogAssembler a;
  EXPECT_EQ(a.feed("T stdout P abc\nT stdout P def\nT stdout F ghi\nT stdout F next\n"),
            (Lines{"abcdefghi", "next"}));
}

TEST(CriLogAssembler, WaitsForTheRestOfAFileLineSplitAcrossReads) {
  CriLogAssembler a;
  EXPECT_EQ(a.feed("T stdout F hel"), Lines{});
  EXPECT_EQ(a.feed("lo\n"), Lines{"hello"});
}

TEST(CriLogAssembler, FlushReturnsALineLeftOpenByPartials) {
  CriLogAssembler a;
  a.feed("T stdout P cut\n");
  EXPECT_EQ(a.flush(), "cut");
  EXPECT_EQ(a.flush(), std::nullopt);
}

TEST(LastLines, KeepsTheLastN) {
  EXPECT_EQ(lastLines({"a", "b", "c"}, 2), (Lines{"b", "c"}));
  EXPECT_EQ(lastLines({"a", "b"}, 5), (Lines{"a", "b"}));
  EXPECT_EQ(lastLines({"a", "b"}, -1), (Lines{"a", "b"}));
  EXPECT_EQ(lastLines({"a", "b"}, 0), Lines{});
}

class LogFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pk-logs-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void append(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::app) << text;
  }
  std::string path(const std::string& name) { return (dir_ / name).string(); }

  fs::path dir_;
};

TEST_F(LogFilesTest, RotatedFilesAreReadOldestFirst) {
  append("0.log.2", "T stdout F one\n");
  append("0.log.1", "T stdout F two\n");
  append("0.log", "T stdout F three\n");
  EXPECT_EQ(readLogFiles(path("0.log")), (Lines{"one", "two", "three"}));
}

TEST_F(LogFilesTest, FollowerReturnsOnlyNewLines) {
  append("0.log", "T stdout F old\n");
  LogFollower f(path("0.log"));
  EXPECT_EQ(f.poll(), Lines{"old"});
  EXPECT_EQ(f.poll(), Lines{});
  append("0.log", "T stdout F new\n");
  EXPECT_EQ(f.poll(), Lines{"new"});
}

TEST_F(LogFilesTest, FollowerReadsTheRotatedFileToTheEndThenTheNewOne) {
  append("0.log", "T stdout F a\n");
  LogFollower f(path("0.log"));
  f.poll();
  append("0.log", "T stdout F b\n");
  fs::rename(dir_ / "0.log", dir_ / "0.log.1");
  append("0.log", "T stdout F c\n");
  EXPECT_EQ(f.poll(), (Lines{"b", "c"}));
}

TEST_F(LogFilesTest, FollowerWaitsForAFileThatDoesNotExistYet) {
  LogFollower f(path("1.log"));
  EXPECT_EQ(f.poll(), Lines{});
  append("1.log", "T stdout F up\n");
  EXPECT_EQ(f.poll(), Lines{"up"});
}

TEST_F(LogFilesTest, BoundedPollsReadTheRestNextTimeBeforeARotatedFilesSuccessor) {
  std::string big;
  for (int i = 0; i < 2000; ++i) big += "T stdout F " + std::string(89, 'x') + "\n";  // 200 KB
  append("0.log", big);
  LogFollower f(path("0.log"));
  fs::rename(dir_ / "0.log", dir_ / "0.log.1");
  append("0.log", "T stdout F after\n");
  size_t total = 0;
  std::vector<TimedLine> last;
  for (int polls = 0; polls < 10 && (last.empty() || last.back().text != "after"); ++polls) {
    last = f.pollTimed(64 * 1024);
    EXPECT_LE(last.size(), 1000u);  // never the whole file in one poll
    total += last.size();
  }
  EXPECT_EQ(total, 2001u);
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(last.back().text, "after");
}

TEST_F(LogFilesTest, TimedLinesCarryTheTimeOfTheirFirstEntry) {
  append("0.log", "T1 stdout P par\nT2 stdout F tial\nT3 stderr F whole\n");
  EXPECT_EQ(readLogFilesTimed(path("0.log")),
            (std::vector<TimedLine>{{"T1", "partial"}, {"T3", "whole"}}));
}

TEST_F(LogFilesTest, FollowerSwitchesToTheNextRestartsFile) {
  append("0.log", "T stdout F first\n");
  LogFollower f(path("0.log"));
  f.poll();
  append("0.log", "T stdout F last words\n");
  append("1.log", "T stdout F reborn\n");
  EXPECT_EQ(f.switchTo(path("1.log")), (Lines{"last words", "reborn"}));
}

std::vector<std::string> texts(const std::vector<TimedLine>& lines) {
  Lines out;
  for (const auto& l : lines) out.push_back(l.text);
  return out;
}

// Reads a snapshot to its end in chunks of `chunk` bytes, checking each read's bound.
Lines readAll(LogFileSnapshot& s, size_t chunk) {
  Lines out;
  while (!s.done()) {
    auto more = texts(s.next(chunk));
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

TEST_F(LogFilesTest, SnapshotReadsRotatedFilesInSmallChunksJoiningPartialsAcrossThem) {
  append("0.log.1", "T stdout F one\nT stdout P sp\n");
  append("0.log.1", "T stdout P li\n");  // a P line whose F is in the next file
  append("0.log", "T stdout F t\nT stdout F two\n");
  LogFileSnapshot s(path("0.log"));
  EXPECT_EQ(readAll(s, 5), (Lines{"one", "split", "two"}));
  EXPECT_FALSE(s.finish());
}

TEST_F(LogFilesTest, SnapshotEndsWhereTheFilesWereWhenOpenedAndRewinds) {
  append("0.log", "T stdout F before\n");
  LogFileSnapshot s(path("0.log"));
  append("0.log", "T stdout F after\n");
  EXPECT_EQ(readAll(s, 1 << 20), Lines{"before"});
  s.rewind();
  EXPECT_EQ(readAll(s, 3), Lines{"before"});
}

TEST_F(LogFilesTest, FollowerFromASnapshotGoesOnWithItsOpenLineAndNewLines) {
  // An open line, its last entry cut where the writer was.
  append("0.log", "T stdout F before\nT stdout P half \nT stdout F do");
  LogFileSnapshot s(path("0.log"));
  append("0.log", "ne\nT stdout F after\n");
  EXPECT_EQ(readAll(s, 1 << 20), Lines{"before"});
  auto f = std::move(s).follower();
  EXPECT_EQ(f.poll(), (Lines{"half done", "after"}));
}

TEST_F(LogFilesTest, FollowerFromASnapshotOfAFileNotThereYetWaitsForIt) {
  LogFileSnapshot s(path("0.log"));
  EXPECT_TRUE(s.done());
  auto f = std::move(s).follower();
  append("0.log", "T stdout F first\n");
  EXPECT_EQ(f.poll(), Lines{"first"});
}

TEST_F(LogFilesTest, SnapshotFinishReturnsTheLineLeftOpen) {
  append("0.log", "T stdout F a\nT stdout P b");
  append("0.log", "\n");
  LogFileSnapshot s(path("0.log"));
  EXPECT_EQ(readAll(s, 1 << 20), Lines{"a"});
  auto open = s.finish();
  ASSERT_TRUE(open);
  EXPECT_EQ(open->text, "b");
}

}  // namespace
}  // namespace podkeeper::runtime
