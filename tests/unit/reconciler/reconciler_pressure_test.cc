#include <gtest/gtest.h>

#include <algorithm>

#include "status/pod_phase.h"
#include "status/pod_status.h"
#include "tests/support/lifecycle_fixture.h"
#include "tests/support/test_pods.h"

// The reconciler's side of node-pressure eviction: an eviction goes through the same stop as
// local-storage eviction (Failed, Evicted, for good) with the eviction's grace period, and
// admission refuses what the kubelet refuses under pressure.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1024 * 1024;

class NodePressureReconcile : public testing::LifecycleFixture {};

TEST_F(NodePressureReconcile, RunningPodsAreCandidatesWithTheirRequestsAndPriority) {
  auto p = testing::pod("web", {container("app", 100, 200, 64 * kMi, 128 * kMi)});
  p.pod.spec.priority = 7;
  want({p});
  reconcile();
  auto candidates = reconciler_->evictionCandidates();
  ASSERT_EQ(candidates.size(), 1u);
  const auto& c = candidates[0].candidate;
  EXPECT_EQ(c.key, "default/web");
  EXPECT_EQ(c.priority, 7);
  EXPECT_FALSE(c.critical);
  EXPECT_EQ(c.memoryRequest, 64 * kMi);
  ASSERT_EQ(c.containers.size(), 1u);
  EXPECT_EQ(c.containers[0].memoryRequest, 64 * kMi);
  EXPECT_FALSE(candidates[0].podCgroup.empty());
}

TEST_F(NodePressureReconcile, SystemNodeCriticalClassIsCritical) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.priorityClassName = "system-node-critical";
  want({p});
  reconcile();
  auto candidates = reconciler_->evictionCandidates();
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(candidates[0].candidate.critical);
}

TEST_F(NodePressureReconcile, EvictedPodIsStoppedWithTheEvictionsGraceAndStaysFailed) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.terminationGracePeriodSeconds = 30;
  want({p});
  reconcile();
  const std::string message =
      "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. ";
  ASSERT_TRUE(reconciler_->evict("uid-web", message, 1));
  EXPECT_FALSE(reconciler_->evict("uid-web", message, 1)) << "evicted once";
  runtime_.calls.clear();
  const int64_t t0 = clock_.now;
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"signal uid-web/app 15"}));
  EXPECT_TRUE(hasEvent("Evicted"));
  const auto& obs = runtime_.sandboxes.at("uid-web");
  ASSERT_TRUE(obs.stop);
  EXPECT_EQ(obs.stop->killDeadlineNs, t0 + 1 * kNsPerSec) << "1 s, not the pod's 30 s";
  EXPECT_EQ(status::podPhase(p, &obs), "Failed");
  auto status = statusOf(p);
  EXPECT_EQ(status["reason"], "Evicted");
  EXPECT_EQ(status["message"], message);
  EXPECT_TRUE(reconciler_->evictionCandidates().empty()) << "an evicted pod is not a candidate";
  runtime_.calls.clear();
  advanceTo(clock_.now + 100 * kNsPerSec);
  reconcile();
  reconcile();
  for (const auto& call : runtime_.calls) EXPECT_EQ(call.find("start"), std::string::npos) << call;
  // Its containers stopped, what it holds is released, once; it stays known and Failed with
  // its container's exit, until its manifest goes.
  EXPECT_EQ(std::count(runtime_.calls.begin(), runtime_.calls.end(), "release uid-web"), 1)
      << ::testing::PrintToString(runtime_.calls);
  const auto& released = runtime_.sandboxes.at("uid-web");
  EXPECT_TRUE(released.released);
  EXPECT_EQ(status::podPhase(p, &released), "Failed");
  ASSERT_EQ(released.containers.size(), 1u);
  ASSERT_TRUE(released.containers[0].exit);
  EXPECT_EQ(released.containers[0].exit->exitCode, 143);
  want({});
  reconcile();
  EXPECT_FALSE(runtime_.sandboxes.contains("uid-web"));
}

TEST_F(NodePressureReconcile, UnderMemoryPressureOnlyNewBestEffortPodsAreRefused) {
  auto burstable = testing::pod("web", {container("app", 100, std::nullopt, 16 * kMi)});
  auto bestEffort = testing::pod("late", {container("app")});
  reconciler_->setNodeConditions({NodeCondition::MemoryPressure});
  want({burstable, bestEffort});
  EXPECT_EQ(reconciler_->status().refusal("default/web"), nullptr);
  const auto* refused = reconciler_->status().refusal("default/late");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->reason(), "Evicted");
  EXPECT_EQ(refused->message(), "The node had condition: [MemoryPressure]. ");
  runtime_.calls.clear();
  reconcile("default/late");
  EXPECT_TRUE(runtime_.calls.empty()) << "a refused pod is never handed to the runtime";

  // The pressure ends: the refusal is lifted and the key is returned to be queued.
  EXPECT_EQ(reconciler_->setNodeConditions({}), (std::vector<std::string>{"default/late"}));
  EXPECT_EQ(reconciler_->status().refusal("default/late"), nullptr);
  EXPECT_TRUE(reconciler_->setNodeConditions({}).empty()) << "no change, nothing to queue";
}

TEST_F(NodePressureReconcile, DiskPressureRefusesNewPodsButLeavesRunningOnesAlone) {
  auto running = testing::pod("web", {container("app", 100, std::nullopt, 16 * kMi)});
  want({running});
  reconcile();
  auto changed = reconciler_->setNodeConditions({NodeCondition::DiskPressure});
  EXPECT_TRUE(changed.empty()) << "a pod running under its spec is not refused";
  EXPECT_EQ(reconciler_->status().refusal("default/web"), nullptr);
  auto newcomer = testing::pod("new", {container("app", 100, std::nullopt, 16 * kMi)});
  want({running, newcomer});
  const auto* refused = reconciler_->status().refusal("default/new");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->message(), "The node had condition: [DiskPressure]. ");
  // A critical pod is admitted whatever the pressure.
  auto critical = testing::pod("crit", {container("app")});
  critical.pod.spec.priority = 2000001000;
  want({running, newcomer, critical});
  EXPECT_EQ(reconciler_->status().refusal("default/crit"), nullptr);
}

}  // namespace
}  // namespace podkeeper::reconciler
