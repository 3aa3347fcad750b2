#include "reconciler/pod_resize.h"

#include <gtest/gtest.h>

#include "tests/support/test_pods.h"

// In-place resize planning (KEP-1287): what is a resize, what restarts, what is refused with
// the API server's words.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1024 * 1024;

manifests::PodSpec spec(std::vector<manifests::Container> cs) {
  return testing::pod("web", std::move(cs)).pod.spec;
}

TEST(PodResize, ACpuLimitChangeIsAnInPlaceResizeOfThatContainerOnly) {
  auto old = spec({container("app", 100, 500, 64 * kMi, 128 * kMi), container("side", 100)});
  auto next = old;
  next.containers[0].resources.limits.cpuMilli = 800;
  auto p = planResize(old, next);
  ASSERT_EQ(p.kind, ResizeKind::InPlace);
  ASSERT_EQ(p.containers.size(), 1u);
  EXPECT_EQ(p.containers[0].name, "app");
  EXPECT_TRUE(p.containers[0].cpuChanged);
  EXPECT_FALSE(p.containers[0].memoryChanged);
  EXPECT_FALSE(p.containers[0].restart);
  EXPECT_EQ(p.containers[0].resources.limits.cpuMilli, 800);
}

TEST(PodResize, RestartContainerPolicyRestartsOnlyForItsResource) {
  auto old = spec({container("app", 100, 500, 64 * kMi, 128 * kMi)});
  old.containers[0].resizePolicy = {{"cpu", "NotRequired"}, {"memory", "RestartContainer"}};
  auto cpu = old;
  cpu.containers[0].resources.requests.cpuMilli = 200;
  EXPECT_FALSE(planResize(old, cpu).containers.at(0).restart);
  auto mem = old;
  mem.containers[0].resources.limits.memoryBytes = 256 * kMi;
  auto p = planResize(old, mem);
  ASSERT_EQ(p.kind, ResizeKind::InPlace);
  EXPECT_TRUE(p.containers.at(0).restart);
  EXPECT_FALSE(p.containers.at(0).memoryLimitDecrease);
}

TEST(PodResize, AnyOtherChangeIsNotAResize) {
  auto old = spec({container("app", 100, 500)});
  auto next = old;
  next.containers[0].image = "busybox:2";
  next.containers[0].resources.limits.cpuMilli = 800;
  EXPECT_EQ(planResize(old, next).kind, ResizeKind::NotAResize);
  EXPECT_EQ(planResize(old, old).kind, ResizeKind::NotAResize);
  auto storage = old;
  storage.containers[0].resources.limits.ephemeralStorageBytes = 1 * kMi;
  EXPECT_EQ(planResize(old, storage).kind, ResizeKind::NotAResize);
}

TEST(PodResize, TheQosClassMayNotChange) {
  auto old = spec({container("app", 500, 500, 64 * kMi, 64 * kMi)});  // Guaranteed
  auto next = old;
  next.containers[0].resources.limits.cpuMilli = 800;  // Burstable
  auto p = planResize(old, next);
  ASSERT_EQ(p.kind, ResizeKind::Refused);
  EXPECT_EQ(p.message,
            "spec: Invalid value: \"Burstable\": Pod QOS Class may not change as a result of "
            "resizing");
  auto both = old;
  both.containers[0].resources.limits.cpuMilli = 800;
  both.containers[0].resources.requests.cpuMilli = 800;
  EXPECT_EQ(planResize(old, both).kind, ResizeKind::InPlace);  // still Guaranteed
}

TEST(PodResize, RemovingALimitAndResizingAnInitContainerAreRefused) {
  auto old = spec({container("app", 100, 500, 64 * kMi, 128 * kMi)});
  auto next = old;
  next.containers[0].resources.limits.cpuMilli.reset();
  auto p = planResize(old, next);
  ASSERT_EQ(p.kind, ResizeKind::Refused);
  EXPECT_EQ(
      p.message,
      "spec.containers[0].resources.limits.cpu: Forbidden: resource limits cannot be removed");
  auto withInit = old;
  withInit.initContainers = {container("setup", 100)};
  auto init = withInit;
  init.initContainers[0].resources.requests.cpuMilli = 200;
  EXPECT_EQ(planResize(withInit, init).kind, ResizeKind::Refused);
  auto sidecar = withInit;
  sidecar.initContainers[0].restartPolicy = "Always";
  auto sidecarResized = sidecar;
  sidecarResized.initContainers[0].resources.requests.cpuMilli = 200;
  EXPECT_EQ(planResize(sidecar, sidecarResized).kind, ResizeKind::InPlace);
}

TEST(PodResize, AMemoryDecreaseWaitsWhileUsageIsAboveTheNewLimit) {
  auto old = spec({container("app", 100, 500, 64 * kMi, 128 * kMi)});
  auto next = old;
  next.containers[0].resources.limits.memoryBytes = 96 * kMi;
  auto p = planResize(old, next);
  ASSERT_EQ(p.kind, ResizeKind::InPlace);
  const auto& r = p.containers.at(0);
  EXPECT_TRUE(r.memoryLimitDecrease);
  EXPECT_FALSE(memoryDecreaseError("default/web", r, 10 * kMi));
  auto err = memoryDecreaseError("default/web", r, 100 * kMi);
  ASSERT_TRUE(err);
  EXPECT_NE(err->find("less than current memory usage"), std::string::npos) << *err;
}

}  // namespace
}  // namespace podkeeper::reconciler
