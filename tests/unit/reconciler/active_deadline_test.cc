#include "status/pod_phase.h"
#include "status/pod_status.h"
#include "tests/support/lifecycle_fixture.h"

// activeDeadlineSeconds: counted from the sandbox's creation, which survives the agent.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;

class ActiveDeadline : public testing::LifecycleFixture {
 protected:
  manifests::DecodedPod podWithDeadline(int64_t seconds) {
    auto p = testing::pod("web", {container("app")});
    p.pod.spec.activeDeadlineSeconds = seconds;
    p.pod.spec.terminationGracePeriodSeconds = 5;
    return p;
  }
};

TEST_F(ActiveDeadline, PodPastItsDeadlineIsStoppedWithItsGracePeriodAndFailed) {
  runtime_.containersHandleSigterm = false;
  auto p = podWithDeadline(30);
  want({p});
  int64_t t0 = clock_.now;
  auto out = reconcile();
  EXPECT_EQ(out.requeueAtNs, t0 + 30 * kSec) << "looked at again when the deadline passes";
  advanceTo(t0 + 30 * kSec);
  runtime_.calls.clear();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"signal uid-web/app 15"}));
  EXPECT_TRUE(hasEvent("DeadlineExceeded"));
  const auto& obs = runtime_.sandboxes.at("uid-web");
  EXPECT_EQ(status::podPhase(p, &obs), "Failed");
  auto status = statusOf(p);
  EXPECT_EQ(status["reason"], "DeadlineExceeded");
  EXPECT_EQ(status["message"], "Pod was active on the node longer than the specified deadline");
  advanceTo(t0 + 35 * kSec);
  reconcile();
  EXPECT_EQ(runtime_.calls.back(), "kill uid-web/app");
}

TEST_F(ActiveDeadline, FailedPodIsNotRestartedNorRecreatedUntilItsManifestChanges) {
  auto p = podWithDeadline(10);
  want({p});
  int64_t t0 = clock_.now;
  reconcile();
  advanceTo(t0 + 10 * kSec);
  reconcile();  // SIGTERM; the fake's container exits
  runtime_.calls.clear();
  advanceTo(t0 + 100 * kSec);
  reconcile();
  // Stopped for good: what it holds is released, once, and nothing else happens.
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"release uid-web"}));
  runtime_.calls.clear();
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty()) << runtime_.calls.front();

  auto changed = p;
  changed.specHash = "h2";
  want({changed});
  reconcile();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"removeSandbox uid-web", "ensure uid-web",
                                                      "start uid-web/app"}));
}

TEST_F(ActiveDeadline, DeadlineCountsFromTheSandboxCreationAcrossAnAgentRestart) {
  auto p = podWithDeadline(60);
  want({p});
  int64_t t0 = clock_.now;
  reconcile();
  advanceTo(t0 + 59 * kSec);
  reconciler_ = freshReconciler();
  want({p});
  ASSERT_TRUE(reconciler_->observeAll());
  auto out = reconcile();
  EXPECT_EQ(out.requeueAtNs, t0 + 60 * kSec);
  EXPECT_TRUE(observed("uid-web", "app")->running);
  advanceTo(t0 + 60 * kSec);
  reconcile();
  EXPECT_FALSE(observed("uid-web", "app")->running);
}

}  // namespace
}  // namespace podkeeper::reconciler
