#include <gtest/gtest.h>

#include <algorithm>

#include "manifests/identity.h"
#include "manifests/resource_allocation.h"
#include "reconciler/reconciler.h"
#include "tests/support/lifecycle_fixture.h"
#include "tests/support/test_pods.h"

// In-place resize through the reconciler (reconciler_resize.cc) over the fake runtime: what a
// resources-only manifest edit does to the running pod, and what it must not do.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1 << 20;

// web: one container "app", cpu 100m/200m, memory 64Mi/128Mi (Burstable), with its real hash.
manifests::DecodedPod web(int64_t cpuLimit = 200, int64_t memLimit = 128 * kMi,
                          const std::string& memoryPolicy = "") {
  auto p = testing::pod("web", {container("app", 100, cpuLimit, 64 * kMi, memLimit)});
  if (!memoryPolicy.empty()) p.pod.spec.containers[0].resizePolicy = {{"memory", memoryPolicy}};
  p.specHash = manifests::specHash(p.pod.spec);
  return p;
}

class ResizeWiring : public testing::LifecycleFixture {
 protected:
  void startWeb(const manifests::DecodedPod& p) {
    want({p});
    reconcile();
    ASSERT_EQ(runtime_.sandboxes.at("uid-web").containers.size(), 1u);
    pid_ = runtime_.sandboxes.at("uid-web").containers[0].pid;
    runtime_.calls.clear();
  }
  bool called(const std::string& prefix) const {
    return std::any_of(runtime_.calls.begin(), runtime_.calls.end(),
                       [&](const auto& c) { return c.starts_with(prefix); });
  }
  std::string eventMessage(const std::string& reason) const {
    for (const auto& e : reconciler_->status().events().forPod("default/web"))
      if (e.reason == reason) return e.message;
    return "";
  }
  const status::ResizeCondition* condition() const {
    auto it = reconciler_->status().resizes().find("uid-web");
    return it == reconciler_->status().resizes().end() ? nullptr : &it->second;
  }
  pid_t pid_ = 0;
};

TEST_F(ResizeWiring, ACpuLimitIncreaseIsWrittenInPlaceWithoutARestart) {
  startWeb(web());
  auto bigger = web(400);
  want({bigger});
  reconcile();
  EXPECT_EQ(runtime_.calls, std::vector<std::string>{"resize uid-web"});
  ASSERT_EQ(runtime_.resourceUpdates.size(), 1u);
  const auto& u = runtime_.resourceUpdates[0];
  ASSERT_EQ(u.growing.size(), 1u);
  EXPECT_TRUE(u.shrinking.empty());
  EXPECT_EQ(u.growing[0].first, "app");
  EXPECT_EQ(u.growing[0].second.cpuQuotaUs, 40000);
  EXPECT_EQ(u.specHash, bigger.specHash);
  ASSERT_TRUE(u.pod);  // the Burstable pod cgroup's quota is the sum of its containers'
  EXPECT_EQ(u.pod->cpuQuotaUs, 40000);
  const auto& sandbox = runtime_.sandboxes.at("uid-web");
  EXPECT_EQ(sandbox.containers[0].pid, pid_);
  EXPECT_EQ(sandbox.containers[0].restartCount, 0);
  EXPECT_EQ(condition(), nullptr);
  EXPECT_NE(eventMessage("ResizeCompleted").find("app"), std::string::npos);

  auto status = statusOf(bigger)["containerStatuses"][0];
  EXPECT_EQ(status["resources"]["limits"]["cpu"], "400m");
  EXPECT_EQ(status["allocatedResources"]["cpu"], "100m");

  runtime_.calls.clear();
  reconcile();  // done: nothing more
  EXPECT_TRUE(runtime_.calls.empty());
}

TEST_F(ResizeWiring, AMemoryDecreaseBelowUsageWaitsAsInProgressErrorAndIsRetried) {
  startWeb(web());
  runtime_.memoryUsage["uid-web/app"] = 100 * kMi;
  auto smaller = web(200, 96 * kMi);
  want({smaller});
  auto out = reconcile();
  EXPECT_TRUE(runtime_.resourceUpdates.empty());
  EXPECT_FALSE(called("kill") || called("start") || called("removeSandbox"));
  ASSERT_NE(condition(), nullptr);
  EXPECT_EQ(condition()->type, "PodResizeInProgress");
  EXPECT_EQ(condition()->reason, "Error");
  EXPECT_NE(condition()->message.find(
                "aborting attempt to set container memory limit less than current memory usage"),
            std::string::npos)
      << condition()->message;
  EXPECT_NE(eventMessage("ResizeError"), "");
  ASSERT_TRUE(out.requeueAtNs);
  EXPECT_GT(*out.requeueAtNs, clock_.now);
  // The status shows what runs.
  auto status = statusOf(smaller);
  EXPECT_EQ(status["containerStatuses"][0]["resources"]["limits"]["memory"], "128Mi");

  // Not before the retry time; then, with usage below the new limit, applied.
  reconcile();
  EXPECT_TRUE(runtime_.resourceUpdates.empty());
  runtime_.memoryUsage["uid-web/app"] = 10 * kMi;
  advanceTo(*out.requeueAtNs);
  reconcile();
  ASSERT_EQ(runtime_.resourceUpdates.size(), 1u);
  ASSERT_EQ(runtime_.resourceUpdates[0].shrinking.size(), 1u);
  EXPECT_EQ(runtime_.resourceUpdates[0].shrinking[0].second.memoryLimitBytes, 96 * kMi);
  EXPECT_EQ(condition(), nullptr);
  EXPECT_EQ(runtime_.sandboxes.at("uid-web").containers[0].pid, pid_);
}

// The fixture's node has 2 cpus and 1 GiB.
TEST_F(ResizeWiring, MoreThanTheNodeHasIsPendingInfeasibleAndThePodRunsOn) {
  startWeb(web());
  auto p = testing::pod("web", {container("app", 3000, 3000, 64 * kMi, 128 * kMi)});
  p.specHash = manifests::specHash(p.pod.spec);
  want({p});
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty());
  ASSERT_NE(condition(), nullptr);
  EXPECT_EQ(condition()->type, "PodResizePending");
  EXPECT_EQ(condition()->reason, "Infeasible");
  EXPECT_EQ(condition()->message,
            "Node didn't have enough capacity: cpu, requested: 3000, capacity: 2000");
  EXPECT_NE(eventMessage("ResizeInfeasible"), "");
  // Edited back to what fits: applied, and the condition goes.
  want({web(400)});
  reconcile();
  EXPECT_EQ(runtime_.calls, std::vector<std::string>{"resize uid-web"});
  EXPECT_EQ(condition(), nullptr);
}

TEST_F(ResizeWiring, RestartContainerRestartsThatContainerWithTheNewLimits) {
  startWeb(web(200, 128 * kMi, "RestartContainer"));
  want({web(200, 256 * kMi, "RestartContainer")});
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"resize uid-web", "kill uid-web/app"}));
  auto out = reconcile();  // the exit is seen: started again once the restart floor passed
  ASSERT_TRUE(out.requeueAtNs);
  advanceTo(*out.requeueAtNs);
  reconcile();
  ASSERT_FALSE(runtime_.started.empty());
  const auto& again = runtime_.started.back();
  EXPECT_EQ(again.restartCount, 1);
  EXPECT_EQ(again.resources.memoryLimitBytes, 256 * kMi);
  EXPECT_FALSE(called("removeSandbox"));
}

TEST_F(ResizeWiring, AQosClassChangeIsRefusedAndThePodRunsOnAsItWas) {
  startWeb(web());
  // cpu 100m/100m and memory 64Mi/64Mi: Guaranteed.
  auto p = testing::pod("web", {container("app", 100, 100, 64 * kMi, 64 * kMi)});
  p.specHash = manifests::specHash(p.pod.spec);
  want({p});
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty());
  EXPECT_NE(eventMessage("ResizeRefused").find("Pod QOS Class may not change"), std::string::npos)
      << eventMessage("ResizeRefused");
  // A crash restarts it with the resources it runs with, not the refused ones.
  runtime_.exitContainer("uid-web", "app", 1);
  reconcile();
  ASSERT_FALSE(runtime_.started.empty());
  EXPECT_EQ(runtime_.started.back().resources.memoryLimitBytes, 128 * kMi);
  EXPECT_FALSE(called("removeSandbox"));
}

TEST_F(ResizeWiring, PodLevelResourcesAreRefusedAsTheApiServerDoes) {
  auto p = web();
  p.pod.spec.resources = manifests::ResourceRequirements{};
  p.pod.spec.resources->limits.cpuMilli = 500;
  p.specHash = manifests::specHash(p.pod.spec);
  startWeb(p);
  p.pod.spec.resources->limits.cpuMilli = 800;
  p.specHash = manifests::specHash(p.pod.spec);
  want({p});
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty());
  EXPECT_NE(eventMessage("ResizeRefused").find("spec.resources"), std::string::npos);
}

TEST_F(ResizeWiring, AnyOtherChangeStillRecreatesThePod) {
  startWeb(web());
  auto p = web(400);
  p.pod.spec.containers[0].command = {"sleep", "7200"};
  p.specHash = manifests::specHash(p.pod.spec);
  want({p});
  reconcile();
  EXPECT_TRUE(runtime_.resourceUpdates.empty());
  EXPECT_TRUE(called("signal uid-web/app"));
}

TEST_F(ResizeWiring, AnAgentRestartedAfterTheEditResizesFromWhatTheSandboxRecorded) {
  startWeb(web());
  EXPECT_EQ(runtime_.sandboxes.at("uid-web").allocated,
            manifests::encodeAllocation(manifests::allocationOf(web().pod.spec)));
  reconciler_ = freshReconciler();
  want({web(300)});
  ASSERT_TRUE(reconciler_->observeAll());
  reconcile();
  EXPECT_EQ(runtime_.calls, std::vector<std::string>{"resize uid-web"});
  EXPECT_EQ(runtime_.sandboxes.at("uid-web").containers[0].pid, pid_);
}

TEST_F(ResizeWiring, ASandboxWithoutAnAllocationIsRecreatedAsBefore) {
  startWeb(web());
  runtime_.sandboxes.at("uid-web").allocated.clear();  // made by an older podkeeper
  want({web(300)});
  reconcile();
  EXPECT_TRUE(runtime_.resourceUpdates.empty());
  EXPECT_TRUE(called("signal uid-web/app"));
}

}  // namespace
}  // namespace podkeeper::reconciler
