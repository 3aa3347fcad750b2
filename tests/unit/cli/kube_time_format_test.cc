#include "agent/cli/kube_time_format.h"

#include <gtest/gtest.h>

namespace podkeeper::cli {
namespace {

constexpr int64_t kMin = 60, kHour = 3600, kDay = 86400;

TEST(HumanDuration, SecondsUpToTwoMinutes) {
  EXPECT_EQ(humanDuration(45), "45s");
  EXPECT_EQ(humanDuration(119), "119s");
}

TEST(HumanDuration, MinutesWithSecondsUnderTenMinutes) {
  EXPECT_EQ(humanDuration(5 * kMin), "5m");
  EXPECT_EQ(humanDuration(5 * kMin + 30), "5m30s");
  EXPECT_EQ(humanDuration(15 * kMin + 30), "15m");
}

TEST(HumanDuration, HoursThenDaysThenYears) {
  EXPECT_EQ(humanDuration(3 * kHour + 20 * kMin), "3h20m");
  EXPECT_EQ(humanDuration(9 * kHour + 20 * kMin), "9h");
  EXPECT_EQ(humanDuration(2 * kDay + 3 * kHour), "2d3h");
  EXPECT_EQ(humanDuration(30 * kDay), "30d");
  EXPECT_EQ(humanDuration(740 * kDay), "2y10d");
}

TEST(HumanDuration, ClockSkewOfASecondIsNowAndMoreIsInvalid) {
  EXPECT_EQ(humanDuration(-1), "0s");
  EXPECT_EQ(humanDuration(-5), "<invalid>");
}

TEST(ParseRfc3339, AcceptsFractionsAndOffsets) {
  EXPECT_EQ(parseRfc3339("1970-01-01T00:01:00Z"), 60'000'000'000);
  EXPECT_EQ(parseRfc3339("1970-01-01T00:01:00.5Z"), 60'500'000'000);
  EXPECT_EQ(parseRfc3339("1970-01-01T01:01:00+01:00"), 60'000'000'000);
  EXPECT_FALSE(parseRfc3339("yesterday"));
}

TEST(AgeOf, MissingTimestampIsUnknown) {
  EXPECT_EQ(ageOf("", 0), "<unknown>");
  EXPECT_EQ(ageOf("1970-01-01T00:00:00Z", 3 * kHour * 1'000'000'000), "3h");
}

TEST(DescribeTime, PrintsKubectlsLongFormInUtc) {
  EXPECT_EQ(describeTime("2023-11-14T22:13:20Z"), "Tue, 14 Nov 2023 22:13:20 +0000");
}

}  // namespace
}  // namespace podkeeper::cli
