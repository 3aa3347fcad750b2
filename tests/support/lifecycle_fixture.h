#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "manifests/identity.h"
#include "reconciler/reconciler.h"
#include "status/pod_status.h"
#include "tests/support/fake_image_service.h"
// After the reconciler: the fake relies on its Clock.
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pods.h"

// A reconciler over the fake runtime and fake clock, for tests that drive a pod through its
// lifecycle (sidecars, deadlines, agent restarts) or through one reconcile.
namespace podkeeper::reconciler::testing {

class LifecycleFixture : public ::testing::Test {
 protected:
  void SetUp() override { reconciler_ = freshReconciler(); }

  // A new agent: same machine (runtime), nothing in memory.
  std::unique_ptr<Reconciler> freshReconciler() {
    return std::make_unique<Reconciler>(
        runtime_, *imageService_, clock_,
        NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30});
  }
  void want(std::vector<manifests::DecodedPod> pods) {
    std::map<std::string, manifests::DecodedPod> m;
    for (auto& p : pods) m[manifests::podKey(p.pod.metadata.namespace_, p.pod.metadata.name)] = p;
    reconciler_->setDesired(std::move(m));
  }
  Reconciler::Outcome reconcile(const std::string& key = "default/web") {
    runtime_.nowNs = clock_.now;
    auto r = reconciler_->reconcile(key);
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r.value_or(Reconciler::Outcome{});
  }
  void advanceTo(int64_t t) {
    clock_.now = t;
    runtime_.nowNs = t;
  }
  // Whether the pod default/web has an event with this reason.
  bool hasEvent(const std::string& reason) const {
    for (const auto& e : reconciler_->status().events().forPod("default/web"))
      if (e.reason == reason) return true;
    return false;
  }
  // The pod's status as the API shows it, over its sandbox as the runtime has it now.
  nlohmann::json statusOf(const manifests::DecodedPod& p) const {
    status::PodStatusInput in;
    in.pod = &p;
    in.observed = &runtime_.sandboxes.at(p.uid);
    return status::podStatus(in);
  }
  const runtime::ContainerState* observed(const std::string& uid, const std::string& name) {
    for (const auto& c : runtime_.sandboxes.at(uid).containers)
      if (c.name == name) return &c;
    return nullptr;
  }

  FakeRuntime runtime_;
  FakeImageService images_;
  // What the reconciler resolves images through: the fake, unless a test sets another before
  // SetUp.
  runtime::ImageService* imageService_ = &images_;
  FakeClock clock_;
  std::unique_ptr<Reconciler> reconciler_;
};

}  // namespace podkeeper::reconciler::testing
