#include "runtime/logs/cri_log.h"

#include <gtest/gtest.h>

#include <ctime>

namespace podkeeper::runtime {
namespace {

TEST(FormatRfc3339Nano, TrimsTrailingZerosLikeGo) {
  EXPECT_EQ(formatRfc3339Nano(1700000000123456789), "2023-11-14T22:13:20.123456789Z");
  EXPECT_EQ(formatRfc3339Nano(1700000000120000000), "2023-11-14T22:13:20.12Z");
  EXPECT_EQ(formatRfc3339Nano(1700000000000000000), "2023-11-14T22:13:20Z");
}

TEST(FormatRfc3339Nano, AgreesWithGmtimeAcrossLeapDaysAndCenturies) {
  // 1970-01-01, 2000-02-29 (a leap century), 2100-03-01 (not one), and a day-long stride.
  for (int64_t secs : {int64_t(0), int64_t(951782400), int64_t(4107542400), int64_t(1709164799)}) {
    for (int64_t step = 0; step < 400; ++step) {
      const int64_t t = secs + step * 86399;
      const time_t tt = static_cast<time_t>(t);
      struct tm tm {};
      ::gmtime_r(&tt, &tm);
      char want[64];
      const size_t n = ::strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%SZ", &tm);
      ASSERT_EQ(formatRfc3339Nano(t * 1000000000), std::string(want, n)) << t;
    }
  }
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

TEST(RestartOfLogFile, ReadsTheRestartOfCurrentAndRotatedFiles) {
  EXPECT_EQ(restartOfLogFile("0.log"), 0);
  EXPECT_EQ(restartOfLogFile("12.log"), 12);
  EXPECT_EQ(restartOfLogFile("12.log.3"), 12);
  EXPECT_EQ(restartOfLogFile("x.log"), std::nullopt);
  EXPECT_EQ(restartOfLogFile("1.log.x"), std::nullopt);
  EXPECT_EQ(restartOfLogFile("1.logs"), std::nullopt);
  EXPECT_EQ(restartOfLogFile(".log"), std::nullopt);
  EXPECT_EQ(restartOfLogFile("1.log."), std::nullopt);
}

}  // namespace
}  // namespace podkeeper::runtime
