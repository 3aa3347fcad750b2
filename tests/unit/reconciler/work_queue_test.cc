#include "reconciler/work_queue.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace podkeeper::reconciler {
namespace {

constexpr int64_t kSec = kNsPerSec;
WorkQueue makeQueue() { return WorkQueue({1 * kSec, 8 * kSec}); }

TEST(WorkQueue, KeyAddedTwiceIsQueuedOnce) {
  auto q = makeQueue();
  q.add("a");
  q.add("a");
  EXPECT_EQ(q.pop(0), "a");
  EXPECT_EQ(q.pop(0), std::nullopt);
}

TEST(WorkQueue, KeysComeOutInArrivalOrder) {
  auto q = makeQueue();
  q.add("b");
  q.add("a");
  q.add("c");
  EXPECT_EQ(q.pop(0), "b");
  EXPECT_EQ(q.pop(0), "a");
  EXPECT_EQ(q.pop(0), "c");
}

TEST(WorkQueue, KeyAddedAtTheFrontComesOutFirst) {
  auto q = makeQueue();
  q.add("a");
  q.add("b");
  q.add("c");
  q.addFront("c");  // already queued: moved, not duplicated
  q.addFront("d");
  EXPECT_EQ(q.pop(0), "d");
  EXPECT_EQ(q.pop(0), "c");
  EXPECT_EQ(q.pop(0), "a");
  EXPECT_EQ(q.pop(0), "b");
  EXPECT_EQ(q.pop(0), std::nullopt);
}

TEST(WorkQueue, KeyAddedAtTheFrontWhileProcessingIsRequeuedWhenDone) {
  auto q = makeQueue();
  q.add("a");
  ASSERT_EQ(q.pop(0), "a");
  q.addFront("a");
  EXPECT_EQ(q.pop(0), std::nullopt);
  q.done("a");
  EXPECT_EQ(q.pop(0), "a");
}

TEST(WorkQueue, KeyBeingProcessedIsNotHandedOutAgain) {
  auto q = makeQueue();
  q.add("a");
  ASSERT_EQ(q.pop(0), "a");
  q.add("a");
  EXPECT_EQ(q.pop(0), std::nullopt);
  EXPECT_TRUE(q.isProcessing("a"));
}

TEST(WorkQueue, KeyAddedWhileProcessingIsRequeuedWhenDone) {
  auto q = makeQueue();
  q.add("a");
  ASSERT_EQ(q.pop(0), "a");
  q.add("a");
  q.done("a");
  EXPECT_EQ(q.pop(0), "a");
}

TEST(WorkQueue, DoneWithoutNewAddLeavesQueueEmpty) {
  auto q = makeQueue();
  q.add("a");
  ASSERT_EQ(q.pop(0), "a");
  q.done("a");
  EXPECT_EQ(q.pop(100 * kSec), std::nullopt);
}

TEST(WorkQueue, DelayedKeyBecomesReadyAtItsDueTime) {
  auto q = makeQueue();
  q.addAt("a", 5 * kSec);
  EXPECT_EQ(q.nextDueNs(), 5 * kSec);
  EXPECT_EQ(q.pop(4 * kSec), std::nullopt);
  EXPECT_EQ(q.pop(5 * kSec), "a");
}

TEST(WorkQueue, EarlierDelayWins) {
  auto q = makeQueue();
  q.addAt("a", 5 * kSec);
  q.addAt("a", 2 * kSec);
  q.addAt("a", 9 * kSec);
  EXPECT_EQ(q.nextDueNs(), 2 * kSec);
}

TEST(WorkQueue, ImmediateAddOverridesDelay) {
  auto q = makeQueue();
  q.addAt("a", 5 * kSec);
  q.add("a");
  EXPECT_EQ(q.pop(0), "a");
  EXPECT_EQ(q.nextDueNs(), std::nullopt);
}

TEST(WorkQueue, FailuresBackOffExponentiallyUpToTheCap) {
  auto q = makeQueue();
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    q.add("a");
    ASSERT_TRUE(q.pop(0));
    delays.push_back(q.fail("a", 0));
    q.done("a");
  }
  EXPECT_EQ(delays,
            (std::vector<int64_t>{1 * kSec, 2 * kSec, 4 * kSec, 8 * kSec, 8 * kSec, 8 * kSec}));
}

TEST(WorkQueue, FailedKeyIsRetriedAfterItsBackoff) {
  auto q = makeQueue();
  q.add("a");
  ASSERT_TRUE(q.pop(0));
  q.fail("a", 0);
  q.done("a");
  EXPECT_EQ(q.pop(kSec - 1), std::nullopt);
  EXPECT_EQ(q.pop(kSec), "a");
}

TEST(WorkQueue, ForgetResetsBackoff) {
  auto q = makeQueue();
  q.fail("a", 0);
  q.fail("a", 0);
  q.forget("a");
  EXPECT_EQ(q.failures("a"), 0u);
  EXPECT_EQ(q.fail("a", 0), 1 * kSec);
}

TEST(WorkQueue, BackoffIsPerKey) {
  auto q = makeQueue();
  q.fail("a", 0);
  q.fail("a", 0);
  EXPECT_EQ(q.fail("b", 0), 1 * kSec);
}

}  // namespace
}  // namespace podkeeper::reconciler
