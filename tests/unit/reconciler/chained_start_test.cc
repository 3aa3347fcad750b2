// A fresh pod's sandbox and its containers go to the runtime as one job (the kubelet's SyncPod
// makes the sandbox and starts the containers in one pass), over real threads: what the job
// does once let go, without the loop turning, and where it stops.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/support/fake_handlers.h"
#include "tests/support/wait_for.h"
#include "tests/unit/reconciler/parallel_loop_fixture.h"

namespace podkeeper::reconciler::testing {
namespace {

class ChainedStartTest : public ParallelStartTest {
 protected:
  void SetUp() override {
    handlers_ = &hooks_;
    ParallelStartTest::SetUp();
  }
  FakeHandlers hooks_;
};

// Once its sandbox is made, both containers start with no step of the loop between.
TEST_F(ChainedStartTest, ASandboxAndItsContainersStartInOneJob) {
  auto a = pod("a", {container("c"), container("d")});
  gated_.gateSandbox(a.uid);
  want({a});
  loop_->start();
  ASSERT_TRUE(runUntil([&] { return gated_.waitingSandboxes() == 1; }));
  gated_.openSandbox(a.uid);
  // Waited for here, the loop not running meanwhile.
  EXPECT_TRUE(support::waitFor([&] { return running(a.uid) == 2; }, 10s, 1ms)) << running(a.uid);
  ASSERT_TRUE(runUntil([&] { return !loop_->busy(); }));
  EXPECT_EQ(gated_.calls(),
            (std::vector<std::string>{"ensure uid-a", "start uid-a/c", "start uid-a/d"}));
}

// A sandbox that could not be made starts none of its job's containers (no start, no Failed
// event for them); the pod's error is the sandbox's, and its retry starts them.
TEST_F(ChainedStartTest, TheContainersOfASandboxThatFailedAreNotStarted) {
  auto a = pod("a", {container("c"), container("d")});
  gated_.locked([](FakeRuntime& f) {
    f.prepareVolumesError = Error::msg("MountVolume.SetUp failed for volume \"v\"");
    return 0;
  });
  want({a});
  loop_->start();
  const auto tried = [&] {
    return gated_.locked([](FakeRuntime& f) { return f.prepared.size(); });
  };
  ASSERT_TRUE(runUntil([&] { return tried() == 1 && !loop_->busy(); }));
  EXPECT_EQ(count("start uid-a/c") + count("start uid-a/d"), 0);
  for (const auto& e : reconciler_->status().events().forPod("default/a"))
    EXPECT_EQ(e.reason, "FailedMount") << e.message;
  EXPECT_NE(reconciler_->status().lastErrors().at("default/a").find("MountVolume.SetUp failed"),
            std::string::npos);
  gated_.locked([](FakeRuntime& f) {
    f.prepareVolumesError.reset();
    return 0;
  });
  EXPECT_TRUE(runUntil([&] { return running(a.uid) == 2; }));
}

// A container with a postStart hook ends its job: the next container starts once the hook
// has succeeded, as in the kubelet.
TEST_F(ChainedStartTest, AContainerWithAPostStartHookEndsTheJob) {
  auto a = pod("a", {container("first"), container("second")});
  manifests::LifecycleHandler hook;
  hook.exec = manifests::ExecAction{{"sh", "-c", "setup"}};
  a.pod.spec.containers[0].lifecycle = manifests::Lifecycle{hook, std::nullopt, ""};
  poke_ = {"default/a"};
  want({a});
  loop_->start();
  ASSERT_TRUE(runUntil([&] { return hooks_.pendingCount() == 1; }));
  int turns = 0;  // a while (40 turns of the loop): the second waits for the hook
  ASSERT_TRUE(runUntil([&] { return ++turns > 40; }));
  EXPECT_EQ(count("start uid-a/second"), 0);
  hooks_.answer(probe::HandlerOutcome::Success);
  EXPECT_TRUE(runUntil([&] { return running(a.uid) == 2; }));
}

// A container that exited while no agent ran: the sandbox is ensured again, the exited instance
// removed and the next started in one job, the start counting the restart.
TEST_F(ChainedStartTest, ARestartAfterAnAgentRestartCountsIt) {
  auto a = pod("a", {container("c")});
  a.pod.spec.restartPolicy = manifests::RestartPolicy::OnFailure;
  ASSERT_TRUE(startSettled(a, 1));
  exitContainer(a.uid, "c", 7);
  newAgent();  // a new reconciler and loop over the same runtime
  want({a});
  loop_->start();
  ASSERT_TRUE(runUntil([&] { return running(a.uid) == 1 && !loop_->busy(); }));
  const auto started = gated_.locked([](FakeRuntime& f) { return f.started; });
  ASSERT_EQ(started.size(), 2u);
  EXPECT_EQ(started[1].restartCount, 1);
}

}  // namespace
}  // namespace podkeeper::reconciler::testing
