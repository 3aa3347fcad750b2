#include "runtime/cri_log.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

TEST(FormatRfc3339Nano, TrimsTrailingZerosLikeGo) {
  EXPECT_EQ(formatRfc3339Nano(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(formatRfc3339Nano(1700000000120000000), "2023-11-14T22:13:20.12Z");
  EXPECT_EQ(formatRfc3339Nano(1700000000000000000), "2023-11-14T22:13:20Z");
}

TEST(FormatCriLine, WritesTimestampStreamTagAndText) {
  EXPECT_EQ(formatCriLine(1700000000000000001, LogStream::Stdout, false, "hello"),
            "2023-11-14T22:13:20.000000001Z stdout F hello\n");
  EXPECT_EQ(formatCriLine(1700000000000000001, LogStream::Stderr, true, "par"),
            "2023-11-14T22:13:20.000000001Z stderr P par\n");
}

TEST(LogLineSplitter, EmitsOneFullEntryPerNewline) {
  LogLineSplitter s;
  auto out = s.feed("a\nbc\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (LogEntry{"a", false}));
  EXPECT_EQ(out[1], (LogEntry{"bc", false}));
}

TEST(LogLineSplitter, HoldsAnUnfinishedLineUntilItsNewline) {
  LogLineSplitter s;
  EXPECT_TRUE(s.feed("hel").empty());
  auto out = s.feed("lo\nwor");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (LogEntry{"hello", false}));
  auto rest = s.finish();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0], (LogEntry{"wor", false}));
}

TEST(LogLineSplitter, SplitsLongLinesIntoPartialEntries) {
  LogLineSplitter s(4);
  auto out = s.feed("abcdefghij\n");
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], (LogEntry{"abcd", true}));
  EXPECT_EQ(out[1], (LogEntry{"efgh", true}));
  EXPECT_EQ(out[2], (LogEntry{"ij", false}));
}

TEST(LogLineSplitter, LineOfExactlyMaxLengthIsOneFullEntry) {
  LogLineSplitter s(4);
  auto out = s.feed("abcd\n");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], (LogEntry{"abcd", false}));
}

TEST(LogLineSplitter, KeepsEmptyLines) {
  LogLineSplitter s;
  auto out = s.feed("\n\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (LogEntry{"", false}));
}

TEST(LogLineSplitter, FinishWithNothingPendingEmitsNothing) {
  LogLineSplitter s;
  s.feed("x\n");
  EXPECT_TRUE(s.finish().empty());
}

TEST(LogLineSplitter, DefaultSplitIs16KiB) {
  LogLineSplitter s;
  auto out = s.feed(std::string(16 * 1024 + 5, 'x') + "\n");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(out[0].partial);
  EXPECT_EQ(out[0].text.size(), 16u * 1024);
  EXPECT_EQ(out[1].text, "xxxxx");
  EXPECT_FALSE(out[1].partial);
}

}  // namespace
}  // namespace podkeeper::runtime
