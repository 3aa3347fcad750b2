#include "reconciler/container_gc.h"

#include <gtest/gtest.h>

// The kubelet's dead-container GC rules on instances: per container, per node, minimum age.
namespace podkeeper::reconciler {
namespace {

constexpr int64_t kSec = 1'000'000'000;

DeadInstance dead(const std::string& pod, const std::string& c, int restart, int64_t finishedSec) {
  return {pod, c, restart, finishedSec * kSec};
}

TEST(ContainerGc, TheDefaultsKeepTheNewestDeadInstanceOfEachContainer) {
  const std::vector<DeadInstance> all = {dead("p1", "app", 0, 10), dead("p1", "app", 2, 30),
                                         dead("p1", "app", 1, 20), dead("p1", "side", 0, 5),
                                         dead("p2", "app", 0, 1)};
  EXPECT_EQ(planContainerGc(all, {}, 100 * kSec),
            (std::vector<DeadInstance>{dead("p1", "app", 1, 20), dead("p1", "app", 0, 10)}));
}

TEST(ContainerGc, ZeroPerContainerDeletesEveryDeadInstanceAndNegativeKeepsThemAll) {
  const std::vector<DeadInstance> all = {dead("p1", "app", 0, 10), dead("p1", "app", 1, 20)};
  EXPECT_EQ(planContainerGc(all, {0, -1, 0}, 100 * kSec).size(), 2u);
  EXPECT_TRUE(planContainerGc(all, {-1, -1, 0}, 100 * kSec).empty());
}

TEST(ContainerGc, InstancesYoungerThanTheMinimumAgeAreNeitherCountedNorDeleted) {
  const std::vector<DeadInstance> all = {dead("p1", "app", 0, 10), dead("p1", "app", 1, 20),
                                         dead("p1", "app", 2, 95)};
  // At 100 s with a 30 s minimum age: restart 2 is too young; of 0 and 1, the newest stays.
  EXPECT_EQ(planContainerGc(all, {1, -1, 30 * kSec}, 100 * kSec),
            (std::vector<DeadInstance>{dead("p1", "app", 0, 10)}));
}

TEST(ContainerGc, TheNodeLimitFirstEvensOutThenTakesTheOldest) {
  // Three containers with 3, 2 and 1 dead instances; at most 3 on the node, no per-container
  // limit: an even share of 1 each is left.
  const std::vector<DeadInstance> all = {dead("p1", "a", 0, 1), dead("p1", "a", 1, 2),
                                         dead("p1", "a", 2, 3), dead("p1", "b", 0, 4),
                                         dead("p1", "b", 1, 5), dead("p2", "c", 0, 6)};
  auto gone = planContainerGc(all, {-1, 3, 0}, 100 * kSec);
  EXPECT_EQ(gone, (std::vector<DeadInstance>{dead("p1", "a", 1, 2), dead("p1", "a", 0, 1),
                                             dead("p1", "b", 0, 4)}));
  // At most 2 with three containers: a share of 1 each still leaves 3, so the node's oldest
  // goes too.
  gone = planContainerGc(all, {-1, 2, 0}, 100 * kSec);
  ASSERT_EQ(gone.size(), 4u);
  EXPECT_EQ(gone.back(), dead("p1", "a", 2, 3));
}

TEST(ContainerGc, NothingToDoWithinTheLimits) {
  EXPECT_TRUE(planContainerGc({}, {}, 0).empty());
  EXPECT_TRUE(
      planContainerGc({dead("p", "a", 0, 1), dead("q", "a", 0, 1)}, {1, 2, 0}, kSec).empty());
}

}  // namespace
}  // namespace podkeeper::reconciler
