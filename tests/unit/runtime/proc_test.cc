#include "runtime/sys/proc.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace podkeeper::runtime {
namespace {

constexpr const char* kStat =
    "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 "
    "1000 200 18446744073709551615\n";

TEST(ParseProcStatStartTime, ReadsField22AfterAParenthesizedName) {
  auto r = parseProcStatStartTime(kStat);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, 987654u);
}

TEST(ParseProcStatState, ReadsTheLetterAfterTheName) {
  auto r = parseProcStatState(kStat);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 'S');
  EXPECT_EQ(*parseProcStatState("7 (a) b) Z 1"), 'Z');
}

TEST(ParseProcStatStartTime, RefusesTruncatedLine) {
  EXPECT_FALSE(parseProcStatStartTime("1 (x) S 1 2 3").has_value());
  EXPECT_FALSE(parseProcStatStartTime("garbage").has_value());
}

TEST(ProcessAlive, IsTrueForThisProcessWithItsStartTime) {
  auto start = readProcStartTime(::getpid());
  ASSERT_TRUE(start.has_value());
  EXPECT_TRUE(processAlive(::getpid(), *start));
}

TEST(ProcessAlive, IsFalseWhenTheStartTimeDiffers) {
  auto start = readProcStartTime(::getpid());
  ASSERT_TRUE(start.has_value());
  EXPECT_FALSE(processAlive(::getpid(), *start + 1));
  EXPECT_FALSE(processAlive(0, 0));
}

}  // namespace
}  // namespace podkeeper::runtime
