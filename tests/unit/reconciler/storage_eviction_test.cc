#include "reconciler/storage_eviction.h"

#include <gtest/gtest.h>

#include "status/pod_phase.h"
#include "status/pod_status.h"
#include "tests/support/lifecycle_fixture.h"
#include "tests/support/test_pods.h"

// Local-storage eviction as the kubelet's eviction manager decides it: usage against the
// emptyDir sizeLimit, the pod's total ephemeral-storage limit and each container's own.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1024 * 1024;

manifests::PodSpec specWith(std::optional<int64_t> appLimit, std::optional<int64_t> sideLimit,
                            std::optional<int64_t> sizeLimit) {
  auto app = container("app");
  app.resources.limits.ephemeralStorageBytes = appLimit;
  auto side = container("side");
  side.resources.limits.ephemeralStorageBytes = sideLimit;
  auto p = testing::pod("web", {app, side});
  manifests::Volume v;
  v.name = "scratch";
  v.emptyDir = manifests::EmptyDirVolumeSource{};
  v.emptyDir->sizeLimitBytes = sizeLimit;
  p.pod.spec.volumes.push_back(v);
  return p.pod.spec;
}

PodStorageUsage usage(uint64_t app, uint64_t side, uint64_t scratch) {
  return {"h1", {{"app", app}, {"side", side}}, {{"scratch", scratch}}};
}

TEST(StorageEviction, NothingLimitedIsNeverEvicted) {
  const auto spec = specWith(std::nullopt, std::nullopt, std::nullopt);
  EXPECT_FALSE(limitsLocalStorage(spec));
  EXPECT_EQ(storageEvictionMessage(spec, usage(100 * kMi, 100 * kMi, 100 * kMi)), std::nullopt);
}

TEST(StorageEviction, UsageWithinEveryLimitIsNotEvicted) {
  const auto spec = specWith(2 * kMi, 2 * kMi, 1 * kMi);
  EXPECT_TRUE(limitsLocalStorage(spec));
  EXPECT_EQ(storageEvictionMessage(spec, usage(1 * kMi, 1 * kMi, 1 * kMi)), std::nullopt);
}

TEST(StorageEviction, EmptyDirOverItsSizeLimitIsNamedWithTheLimit) {
  const auto spec = specWith(std::nullopt, std::nullopt, 1 * kMi);
  EXPECT_EQ(storageEvictionMessage(spec, usage(0, 0, 1 * kMi + 4096)),
            "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
}

TEST(StorageEviction, PodOverTheSumOfItsContainersLimitsCountsEmptyDirsToo) {
  // Each container is within its own 2Mi; together with the emptyDir the pod is over 4Mi.
  const auto spec = specWith(2 * kMi, 2 * kMi, std::nullopt);
  EXPECT_EQ(storageEvictionMessage(spec, usage(2 * kMi, 1 * kMi, 1 * kMi + 1)),
            "Pod ephemeral local storage usage exceeds the total limit of containers 4Mi. ");
}

TEST(StorageEviction, ContainerOverItsOwnLimitIsNamed) {
  // app has 1Mi, side none: the pod's total limit is app's 1Mi too, and is checked first.
  const auto spec = specWith(3 * kMi, 5 * kMi, std::nullopt);
  EXPECT_EQ(storageEvictionMessage(spec, usage(3 * kMi + 1, 0, 0)),
            "Container app exceeded its local ephemeral storage limit \"3Mi\". ");
}

TEST(StorageEviction, EmptyDirIsCheckedBeforeThePodAndTheContainers) {
  const auto spec = specWith(1 * kMi, std::nullopt, 1 * kMi);
  EXPECT_EQ(storageEvictionMessage(spec, usage(10 * kMi, 0, 10 * kMi)),
            "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
}

class StorageEvictionReconcile : public testing::LifecycleFixture {};

TEST_F(StorageEvictionReconcile, PodOverItsLimitIsStoppedFailedEvictedAndStaysSo) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.containers[0].resources.limits.ephemeralStorageBytes = 1 * kMi;
  want({p});
  reconcile();
  ASSERT_EQ(reconciler_->storageRequests().size(), 1u);
  reconciler_->noteStorageUsage("uid-web", {"h1", {{"app", 2 * kMi}}, {}});
  runtime_.calls.clear();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"signal uid-web/app 15"}));
  EXPECT_TRUE(hasEvent("Evicted"));
  const auto& obs = runtime_.sandboxes.at("uid-web");
  EXPECT_EQ(status::podPhase(p, &obs), "Failed");
  auto status = statusOf(p);
  EXPECT_EQ(status["reason"], "Evicted");
  // One container: the pod's total limit is its limit, and the pod is checked first.
  EXPECT_EQ(status["message"],
            "Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ");
  EXPECT_TRUE(reconciler_->storageRequests().empty()) << "an evicted pod is not measured again";
  runtime_.calls.clear();
  advanceTo(clock_.now + 100 * kNsPerSec);
  reconcile();
  reconcile();
  for (const auto& call : runtime_.calls) EXPECT_EQ(call.find("start"), std::string::npos) << call;
}

TEST_F(StorageEvictionReconcile, UsageOfAnEarlierSpecIsIgnored) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.containers[0].resources.limits.ephemeralStorageBytes = 1 * kMi;
  want({p});
  reconcile();
  reconciler_->noteStorageUsage("uid-web", {"h0", {{"app", 2 * kMi}}, {}});
  runtime_.calls.clear();
  reconcile();
  EXPECT_FALSE(hasEvent("Evicted"));
  EXPECT_EQ(status::podPhase(p, &runtime_.sandboxes.at("uid-web")), "Running");
}

}  // namespace
}  // namespace podkeeper::reconciler
