#include "reconciler/crash_backoff.h"

#include <gtest/gtest.h>

namespace podkeeper::reconciler {
namespace {

constexpr int64_t kSec = kNsPerSec;

TEST(CrashBackoff, FirstRestartWaitsOnlyTheOneSecondFloor) {
  CrashBackoff b;
  EXPECT_EQ(b.restartAllowedAtNs("c", 100 * kSec), 101 * kSec);
}

TEST(CrashBackoff, RestartsWaitTenThenTwentyThenFortySeconds) {
  CrashBackoff b;
  int64_t exit = 0;
  std::vector<int64_t> waits;
  for (int i = 0; i < 4; ++i) {
    int64_t allowed = b.restartAllowedAtNs("c", exit);
    waits.push_back((allowed - exit) / kSec);
    b.recordRestart("c", exit);
    exit = allowed + 2 * kSec;  // the container crashes 2 s after each start
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 10, 20, 40}));
}

TEST(CrashBackoff, DelayIsCappedAtFiveMinutes) {
  CrashBackoff b;
  int64_t exit = 0;
  for (int i = 0; i < 12; ++i) {
    b.recordRestart("c", exit);
    exit += 1 * kSec;
  }
  EXPECT_EQ(b.currentDelayNs("c"), 300 * kSec);
  EXPECT_EQ(b.restartAllowedAtNs("c", exit), exit + 300 * kSec);
}

TEST(CrashBackoff, ResetsAfterTenMinutesWithoutACrash) {
  CrashBackoff b;
  for (int i = 0; i < 5; ++i) b.recordRestart("c", 0);
  int64_t laterExit = 601 * kSec;
  EXPECT_EQ(b.restartAllowedAtNs("c", laterExit), laterExit + 1 * kSec);
  b.recordRestart("c", laterExit);
  EXPECT_EQ(b.currentDelayNs("c"), 10 * kSec);
}

TEST(CrashBackoff, KeysAreIndependent) {
  CrashBackoff b;
  for (int i = 0; i < 3; ++i) b.recordRestart("old-spec", 0);
  EXPECT_EQ(b.restartAllowedAtNs("new-spec", 0), 1 * kSec);
}

}  // namespace
}  // namespace podkeeper::reconciler
