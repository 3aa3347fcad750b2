// The periodic resync over real threads: its list is read on a runtime worker, applied on the
// loop without hiding what happened meanwhile, and reconciles the pods whose listed state
// changed (every pod at every fullResyncEvery-th resync).
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <thread>
#include <vector>

#include "tests/unit/reconciler/parallel_loop_fixture.h"

namespace podkeeper::reconciler::testing {
namespace {

class ResyncTest : public ParallelStartTest {
 protected:
  // Pods a and b wanted, the loop started, and run until each one's container runs.
  bool startBoth() {
    want({a, b});
    loop_->start();
    return runUntil([&] { return running(a.uid) == 1 && running(b.uid) == 1; });
  }
  const manifests::DecodedPod a = pod("a", {container("c")});
  const manifests::DecodedPod b = pod("b", {container("c")});
};

// The resync reads every sandbox back on a runtime worker, not on the loop (the fake's
// inspect, which each reconcile calls on the loop, is a list() too).
TEST_F(ResyncTest, ResyncReadsTheSandboxesOffTheLoop) {
  resyncEvery(10ms);
  want({pod("web", {container("c")})});
  loop_->start();  // its first read is the loop's own (start-up)
  const auto loopThread = std::this_thread::get_id();
  const auto offLoop = [&] {
    const auto threads = gated_.listThreads();
    return std::count_if(threads.begin(), threads.end(),
                         [&](std::thread::id t) { return t != loopThread; });
  };
  EXPECT_EQ(gated_.listThreads().front(), loopThread);
  EXPECT_TRUE(runUntil([&] { return offLoop() >= 3; })) << offLoop();
}

// A resync's list read before a pod was made, applied after: the pod stays known, so a
// delete right after the resync still removes it.
TEST_F(ResyncTest, AResyncListOlderThanAPodDoesNotHideIt) {
  resyncEvery(20ms);
  loop_->start();
  gated_.holdNextList(std::this_thread::get_id());
  ASSERT_TRUE(runUntil([&] { return gated_.listHeld(); }));  // read with no pod
  auto q = pod("q", {container("c")});
  want({q});
  ASSERT_TRUE(runUntil([&] { return running(q.uid) == 1; }));
  bool resynced = false, knownAfterResync = false;
  loop_->onResync = [&] {
    if (resynced) return;
    resynced = true;
    knownAfterResync = reconciler_->observed(q.uid) != nullptr;
    want({});  // the manifest goes right after the stale list was applied
  };
  gated_.releaseList();
  ASSERT_TRUE(runUntil([&] { return resynced; }));
  EXPECT_TRUE(knownAfterResync);
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(q.uid); }));
}

// A resync reads every sandbox once, off the loop: each key nothing happened to meanwhile is
// planned from what that list read, without reading its sandbox again on the loop.
TEST_F(ResyncTest, AResyncPlansFromWhatItsListReadWithoutReadingAgain) {
  resyncEvery(30ms);
  ASSERT_TRUE(startBoth());
  int resyncs = 0;
  long before = 0;
  loop_->onResync = [&] {
    if (++resyncs == 1) before = readsOnLoop();
  };
  ASSERT_TRUE(runUntil([&] { return resyncs >= 4 && !loop_->busy(); }));
  EXPECT_EQ(readsOnLoop(), before);
  EXPECT_EQ(running(a.uid), 1u);
  EXPECT_EQ(running(b.uid), 1u);
}

// A container exit noticed (the shim's pidfd) after a resync's list read the container
// running, but before that list is applied: the exit is acted on at once, not hidden until
// the next resync.
TEST_F(ResyncTest, AnExitNoticedWhileAResyncReadsIsNotHiddenByItsList) {
  resyncEvery(300ms);
  auto q = pod("q", {container("c")});
  want({q});
  loop_->start();
  ASSERT_TRUE(runUntil([&] { return running(q.uid) == 1; }));
  gated_.holdNextList(std::this_thread::get_id());
  ASSERT_TRUE(runUntil([&] { return gated_.listHeld(); }));  // read with c running
  exitContainer(q.uid, "c", 1);
  gated_.beforeHeldListReturns([&] {
    boost::asio::post(io_, [&] { loop_->runtimeChanged("default/q"); });  // before the result
  });
  int resyncs = 0;
  loop_->onResync = [&] { ++resyncs; };
  gated_.releaseList();
  const auto removed = [&] { return called("remove uid-q/c"); };
  ASSERT_TRUE(runUntil([&] { return removed() || resyncs >= 2; }));
  EXPECT_TRUE(removed());  // the exited instance goes before its restart
  EXPECT_EQ(resyncs, 1);
}

// The reconciles each resync queued: those run between its onResync and the next one's.
class ResyncCounts {
 public:
  explicit ResyncCounts(ReconcileLoop& loop) {
    loop.onResync = [this] { perResync.push_back(0); };
    loop.onReconciled = [this](double) {
      if (!perResync.empty()) ++perResync.back();
    };
  }
  std::vector<int> perResync;
};

// A resync whose list reads every pod as it was reconciles none of them; a pod whose
// containers changed behind the loop (no pidfd event: the fake has none) is reconciled by the
// next resync, and only it.
TEST_F(ResyncTest, AResyncReconcilesOnlyThePodsItsListFoundChanged) {
  resyncEvery(20ms, 1000);
  ASSERT_TRUE(startBoth());
  ResyncCounts counts(*loop_);
  ASSERT_TRUE(runUntil([&] { return counts.perResync.size() >= 4 && !loop_->busy(); }));
  for (size_t i = 1; i < counts.perResync.size(); ++i)  // the first may see the start settle
    EXPECT_EQ(counts.perResync[i], 0) << "resync " << i;
  exitContainer(b.uid, "c", 1);
  ASSERT_TRUE(runUntil([&] { return count("remove uid-b/c") > 0 && running(b.uid) == 1; }));
  EXPECT_FALSE(called("remove uid-a/c"));
  EXPECT_EQ(running(a.uid), 1u);
}

// Every fullResyncEvery-th resync reconciles every pod, changed or not (the kubelet's sync
// of each pod once a minute): what no event and no list shows is looked at again.
TEST_F(ResyncTest, EveryNthResyncReconcilesEveryPod) {
  resyncEvery(20ms, 3);
  ASSERT_TRUE(startBoth());
  ResyncCounts counts(*loop_);
  ASSERT_TRUE(runUntil([&] { return counts.perResync.size() >= 8 && !loop_->busy(); }));
  std::vector<int> full;
  for (size_t i = 1; i + 1 < counts.perResync.size(); ++i)
    if (counts.perResync[i] > 0) full.push_back(int(i));
  ASSERT_EQ(full.size(), 2u) << ::testing::PrintToString(counts.perResync);
  EXPECT_EQ(full[1] - full[0], 3);
  EXPECT_EQ(counts.perResync[size_t(full[0])], 2);  // both pods
}

}  // namespace
}  // namespace podkeeper::reconciler::testing
