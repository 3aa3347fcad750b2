#include "tests/support/lifecycle_fixture.h"

// What a restarted agent (a fresh Reconciler over the same machine) must carry on with.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;

class AgentRestart : public testing::LifecycleFixture {};

TEST_F(AgentRestart, GracePeriodStartedBeforeTheRestartEndsOnTime) {
  runtime_.containersHandleSigterm = false;
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.terminationGracePeriodSeconds = 6;
  want({p});
  reconcile();
  want({});
  int64_t deleted = clock_.now;
  reconcile();  // SIGTERM; the deadline is recorded with the sandbox
  ASSERT_TRUE(runtime_.sandboxes.at("uid-web").stop);
  ASSERT_EQ(runtime_.sandboxes.at("uid-web").stop->killDeadlineNs, deleted + 6 * kSec);

  advanceTo(deleted + 1 * kSec);
  reconciler_ = freshReconciler();
  ASSERT_TRUE(reconciler_->observeAll());
  runtime_.calls.clear();
  auto out = reconcile();
  EXPECT_TRUE(runtime_.calls.empty()) << "signalled again: " << runtime_.calls.front();
  EXPECT_EQ(out.requeueAtNs, deleted + 6 * kSec);
  advanceTo(deleted + 6 * kSec);
  reconcile();
  reconcile();
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"kill uid-web/app", "removeSandbox uid-web"}));
}

TEST_F(AgentRestart, HalfStartedContainerIsStartedAgainWithItsRestartCount) {
  auto p = testing::pod("web", {container("app")});
  want({p});
  reconcile();
  auto& c = runtime_.sandboxes.at("uid-web").containers.front();
  c = runtime::ContainerState{};  // what a kill between config.json and the shim leaves
  c.name = "app";
  reconciler_ = freshReconciler();
  want({p});
  ASSERT_TRUE(reconciler_->observeAll());
  runtime_.calls.clear();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"ensure uid-web", "remove uid-web/app",
                                                      "start uid-web/app"}));
  EXPECT_EQ(runtime_.started.back().restartCount, 0);
  EXPECT_TRUE(reconciler_->status().lastTerminated().empty())
      << "a start that never ran is no restart";
}

}  // namespace
}  // namespace podkeeper::reconciler
