// The reconciler's runtime calls off the loop: starts of different pods in parallel up to the
// bound, one pod's actions one at a time and in order, a delete that arrives while the start
// is in flight. Real threads (BackgroundWork) over the gated fake runtime; the loop runs here.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>

#include "common/background_work.h"
#include "manifests/identity.h"
#include "reconciler/pod_network.h"
#include "reconciler/reconcile_loop.h"
#include "reconciler/reconciler.h"
#include "reconciler/runtime_work.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/gated_runtime.h"
#include "tests/support/test_pods.h"
#include "tests/unit/reconciler/parallel_loop_fixture.h"

namespace podkeeper::reconciler::testing {
namespace {

using namespace std::chrono_literals;

TEST_F(ParallelStartTest, PodsSharingNothingStartInParallelUpToTheBound) {
  std::vector<manifests::DecodedPod> pods;
  for (int i = 0; i < 12; ++i) pods.push_back(pod("p" + std::to_string(i), {container("c")}));
  gated_.startTogether(kBound);  // opens only once kBound starts are in flight together
  want(pods);
  ASSERT_TRUE(runUntil([&] {
    for (const auto& p : pods)
      if (running(p.uid) != 1) return false;
    return true;
  }));
  EXPECT_EQ(gated_.maxStarts(), kBound);  // never more than the bound
  EXPECT_FALSE(gated_.podOverlap());
  // Each pod started once: one ensure and one start per pod.
  size_t starts = 0;
  for (const auto& c : gated_.calls()) starts += c.starts_with("start ") ? 1 : 0;
  EXPECT_EQ(starts, pods.size());
}

// A pod whose step settled goes on before pods queued after it begin (WorkQueue::addFront):
// with one call at a time, the first pod's container starts before the second pod's sandbox
// is made, not after every pod's sandbox.
TEST_F(ParallelStartTest, APodsNextStepGoesBeforeThePodsQueuedAfterIt) {
  loop_->stop();
  ReconcileLoop::Options o;
  o.maxParallel = 1;
  loop_ = std::make_unique<ReconcileLoop>(io_, *reconciler_, gated_, clock_, o, &work_);
  std::vector<manifests::DecodedPod> pods;
  for (int i = 0; i < 3; ++i) pods.push_back(pod("p" + std::to_string(i), {container("c")}));
  want(pods);
  ASSERT_TRUE(runUntil([&] {
    for (const auto& p : pods)
      if (running(p.uid) != 1) return false;
    return true;
  }));
  const auto calls = gated_.calls();
  const auto at = [&](const std::string& call) {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  };
  ASSERT_LT(at("start uid-p2/c"), ptrdiff_t(calls.size()));
  EXPECT_LT(at("start uid-p0/c"), at("ensure uid-p1"));
  EXPECT_LT(at("start uid-p1/c"), at("ensure uid-p2"));
}

TEST_F(ParallelStartTest, OnePodsContainersStartInOrderOneAtATime) {
  auto p = pod("web", {container("a"), container("b")});
  p.pod.spec.initContainers = {container("init1"), container("init2")};
  want({p});
  for (const char* init : {"init1", "init2"}) {
    ASSERT_TRUE(runUntil([&] { return running(p.uid) == 1; })) << init;
    exitContainer(p.uid, init, 0);
    loop_->runtimeChanged("default/web");  // the pidfd watch's job in the agent
  }
  ASSERT_TRUE(runUntil([&] { return running(p.uid) == 2; }));
  std::vector<std::string> starts;
  for (const auto& c : gated_.calls())
    if (c.starts_with("start ")) starts.push_back(c);
  EXPECT_EQ(starts, (std::vector<std::string>{"start uid-web/init1", "start uid-web/init2",
                                              "start uid-web/a", "start uid-web/b"}));
  EXPECT_FALSE(gated_.podOverlap());
}

TEST_F(ParallelStartTest, ADeleteDuringItsStartWaitsForTheStartThenRemovesThePod) {
  auto slow = pod("slow", {container("c")});
  auto other = pod("other", {container("c")});
  gated_.gate(slow.uid);
  want({slow, other});
  // The slow pod's start is in flight; the other pod is not held up by it.
  ASSERT_TRUE(runUntil([&] { return gated_.waitingStarts() == 1 && running(other.uid) == 1; }));
  want({other});  // slow's manifest is deleted while its start runs
  io_.restart();
  io_.run_for(20ms);
  EXPECT_TRUE(hasSandbox(slow.uid));  // nothing raced the start
  gated_.open(slow.uid);
  poke_ = {"default/slow"};
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(slow.uid); }));
  EXPECT_EQ(running(other.uid), 1u);
  EXPECT_FALSE(gated_.podOverlap());
  auto calls = gated_.calls();
  auto at = [&](const std::string& c) { return std::find(calls.begin(), calls.end(), c); };
  EXPECT_LT(at("start uid-slow/c"), at("removeSandbox uid-slow"));
}

TEST_F(ParallelStartTest, OnePodsGracePeriodDoesNotHoldUpAnothersStop) {
  auto a = pod("a", {container("c")});
  auto b = pod("b", {container("c")});
  a.pod.spec.terminationGracePeriodSeconds = 30;
  want({a, b});
  ASSERT_TRUE(runUntil([&] { return running(a.uid) == 1 && running(b.uid) == 1; }));
  gated_.locked([&](FakeRuntime& f) {
    f.containersHandleSigterm = false;  // a's container ignores SIGTERM: its grace runs out
    return 0;
  });
  frozen_ = true;  // a's grace period does not run out by itself
  want({b});
  ASSERT_TRUE(runUntil([&] {
    auto calls = gated_.calls();
    return running(a.uid) == 1 &&
           std::find(calls.begin(), calls.end(), "signal uid-a/c 15") != calls.end();
  }));
  gated_.locked([&](FakeRuntime& f) {
    f.containersHandleSigterm = true;
    return 0;
  });
  want({});         // b goes while a still waits for its grace period to end
  frozen_ = false;  // 5 ms a turn: b's exit settles, a's 30 s are far
  poke_ = {"default/a", "default/b"};
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(b.uid); }));
  EXPECT_TRUE(hasSandbox(a.uid));
  clock_.now += 31 * kNsPerSec;  // a's grace period is over: SIGKILL, then removed
  loop_->enqueue("default/a");
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(a.uid); }));
}

// A manifest deleted, restored while its pod is being removed, and deleted again while the
// new sandbox is being made: once made, that sandbox is removed too (the pod is known from its
// sandbox, not only from its manifest).
TEST_F(ParallelStartTest, ADeleteDuringTheSandboxsCreationRemovesItOnceMade) {
  auto q = pod("q", {container("c")});
  poke_ = {"default/q"};
  want({q});
  ASSERT_TRUE(runUntil([&] { return running(q.uid) == 1; }));
  gated_.gateRemoval(q.uid);
  gated_.gateSandbox(q.uid);
  want({});
  ASSERT_TRUE(runUntil([&] { return gated_.waitingRemovals() == 1; }));
  want({q});
  gated_.openRemoval(q.uid);
  ASSERT_TRUE(runUntil([&] { return gated_.waitingSandboxes() == 1; }));
  want({});
  gated_.openSandbox(q.uid);
  ASSERT_TRUE(runUntil([&] { return count("removeSandbox uid-q") == 2; }));
  EXPECT_FALSE(hasSandbox(q.uid));
  EXPECT_EQ(count("start uid-q/c"), 2);  // the second with its sandbox, in the same job
  EXPECT_EQ(count("ensure uid-q"), 2);
}

// Each job reads its pod back on the worker after its calls, and the pod's next step is planned
// from that read: from the first reconcile to running, no sandbox is read on the loop (each
// read there used to stall every other pod of a burst).
TEST_F(ParallelStartTest, AJobsReadBackIsPlannedFromWithoutReadingOnTheLoop) {
  auto a = pod("a", {container("c"), container("d")});
  want({a});
  loop_->start();  // reads what is there (nothing) once, on the loop
  const auto atStart = readsOnLoop();
  ASSERT_TRUE(runUntil([&] { return running(a.uid) == 2 && !loop_->busy(); }));
  EXPECT_EQ(readsOnLoop(), atStart);
  EXPECT_GT(gated_.listThreads().size() - size_t(readsOnLoop()), 0u);
}

// A running pod's manifest removed: its stop is planned from what was last read of it (its
// last job's read-back), not read again on the loop. A manifest change says nothing of what
// runs; deleting 200 pods read each of them on the loop before.
TEST_F(ParallelStartTest, ADeleteIsPlannedFromWhatWasReadWithoutReadingOnTheLoop) {
  auto a = pod("a", {container("c"), container("d")});
  ASSERT_TRUE(startSettled(a, 2));
  const auto before = readsOnLoop();
  want({});
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(a.uid) && !loop_->busy(); }));
  EXPECT_EQ(readsOnLoop(), before);
}

// What was read stays current until the runtime says otherwise: a key queued for another cause
// (a probe, a pull, a monitor) plans from it without reading; a runtime event (a shim's exit, as
// its pidfd watch reports) makes the pod read again, on a worker, and the exit is acted on.
TEST_F(ParallelStartTest, OnlyARuntimeEventMakesWhatWasReadStale) {
  auto a = pod("a", {container("c")});
  ASSERT_TRUE(startSettled(a, 1));
  ASSERT_EQ(count("start uid-a/c"), 1);
  const auto before = readsOnLoop();
  const auto readsBefore = gated_.listThreads().size();
  loop_->enqueue("default/a");
  ASSERT_TRUE(runUntil([&] { return !loop_->busy(); }));
  EXPECT_EQ(gated_.listThreads().size(), readsBefore);
  exitContainer(a.uid, "c", 1);
  loop_->runtimeChanged("default/a");
  ASSERT_TRUE(runUntil([&] {  // the exited instance goes (its restart follows, after back-off)
    return called("remove uid-a/c");
  }));
  EXPECT_GT(gated_.listThreads().size(), readsBefore);
  EXPECT_EQ(readsOnLoop(), before);
}

// A pod's read on a worker that fails fails its pass: retried after the back-off, not again and
// again at once; once reads work again the pod goes on.
TEST_F(ParallelStartTest, AFailedReadOnAWorkerIsRetriedAfterTheBackOff) {
  auto a = pod("a", {container("c")});
  ASSERT_TRUE(startSettled(a, 1));
  exitContainer(a.uid, "c", 1);
  gated_.failInspects(true);
  const auto readsBefore = gated_.listThreads().size();
  const auto onLoopBefore = readsOnLoop();
  loop_->runtimeChanged("default/a");
  for (int turn = 0; turn < 100; ++turn) {  // half a second of the fake clock: within 1 s
    clock_.now += 5 * kNsPerMs;
    io_.restart();
    io_.run_for(1ms);
  }
  EXPECT_EQ(gated_.listThreads().size() - readsBefore, 1u);
  EXPECT_EQ(readsOnLoop(), onLoopBefore);
  gated_.failInspects(false);
  ASSERT_TRUE(runUntil([&] { return called("remove uid-a/c"); }));
}

// A container exits after its job's read-back saw it running, and the exit is noticed (an
// event queues the key) before the job's result is applied: the read-back must not hide the
// exit; the next reconcile reads again and removes the exited instance.
TEST_F(ParallelStartTest, AnExitNoticedWhileAJobRunsIsNotHiddenByItsReadBack) {
  resyncEvery(1s);
  auto q = pod("q", {container("c")});
  want({q});
  std::atomic<bool> exited = false;
  gated_.afterInspect([&](const std::optional<runtime::SandboxState>& s) {
    if (!s || s->containers.empty() || !s->containers[0].running) return false;
    exitContainer(q.uid, "c", 1);
    exited = true;
    boost::asio::post(io_, [&] { loop_->runtimeChanged("default/q"); });  // before the result
    return true;
  });
  int resyncs = 0;
  loop_->onResync = [&] { ++resyncs; };
  loop_->start();
  const auto removed = [&] { return called("remove uid-q/c"); };
  ASSERT_TRUE(runUntil([&] { return removed() || resyncs > 0; }));
  EXPECT_TRUE(exited);
  EXPECT_TRUE(removed());
  EXPECT_EQ(resyncs, 0);  // seen at once, not by the next resync
}

// A network that is not ready (as while CNI's ADD runs, off the loop) until the test sets
// ready_, then ready with `ips`. It counts the questions asked before the pod's sandbox was
// made (an ADD then would find no net namespace).
class StepNetwork : public PodNetwork {
 public:
  explicit StepNetwork(std::vector<std::string> ips) : ips_(std::move(ips)) {}
  Result<Readiness> ready(const manifests::DecodedPod&, const std::string&) override {
    if (sandboxMade && !sandboxMade()) ++askedBeforeItsSandbox;
    return Readiness{ready_, "", ""};
  }
  bool readyAtOnce(const manifests::DecodedPod&) const override { return ready_; }
  Result<bool> released(const std::string&, const std::string&) override { return true; }
  void adopt(const std::string&, const std::string&, bool) override {}
  std::vector<std::string> podIPs(const std::string&) const override {
    return ready_ ? ips_ : std::vector<std::string>{};
  }
  bool broken(const std::string&) const override { return false; }
  bool ready_ = false;
  std::function<bool()> sandboxMade;
  int askedBeforeItsSandbox = 0;

 private:
  std::vector<std::string> ips_;
};

// The sandbox is made again once the network gives the pod an address (its /etc/hosts gets
// it before a container starts), and only then: a network with no address to give (no CNI
// configuration) costs no second sandbox job.
TEST_F(ParallelStartTest, TheSandboxIsMadeAgainOnlyForAnAddressTheNetworkGave) {
  for (const bool withAddress : {false, true}) {
    SCOPED_TRACE(withAddress ? "with an address" : "without");
    StepNetwork net(withAddress ? std::vector<std::string>{"10.0.0.7"}
                                : std::vector<std::string>{});
    reconciler_->setPodNetwork(&net);
    struct Unset {  // never a dangling network, even after a failed assertion
      Reconciler& r;
      ~Unset() { r.setPodNetwork(nullptr); }
    } unset{*reconciler_};
    auto a = pod(withAddress ? "b" : "a", {container("c")});
    net.sandboxMade = [&] { return hasSandbox(a.uid); };
    gated_.gateSandbox(a.uid);  // asked while it is being made, the network would start early
    want({a});
    ASSERT_TRUE(runUntil([&] { return gated_.waitingSandboxes() == 1; }));
    int held = 0;
    ASSERT_TRUE(runUntil([&] { return ++held > 5; }));
    gated_.openSandbox(a.uid);
    const std::string ensure = "ensure " + a.uid;
    auto ensures = [&] { return count(ensure); };
    ASSERT_TRUE(runUntil([&] { return ensures() == 1; }));
    int turns = 0;  // a while (40 turns of the loop): it waits for the network
    ASSERT_TRUE(runUntil([&] { return running(a.uid) == 1 || ++turns > 40; }));
    EXPECT_EQ(running(a.uid), 0u);
    net.ready_ = true;
    loop_->enqueue("default/" + a.pod.metadata.name);  // as the ADD's end does
    ASSERT_TRUE(runUntil([&] { return running(a.uid) == 1; }));
    EXPECT_EQ(ensures(), withAddress ? 2 : 1);
    EXPECT_EQ(net.askedBeforeItsSandbox, 0);
    auto calls = gated_.calls();
    const auto at = [&](const std::string& c) { return std::find(calls.begin(), calls.end(), c); };
    if (withAddress) {  // the second ensure (with the address) before the start
      EXPECT_LT(std::find(at(ensure) + 1, calls.end(), ensure), at("start " + a.uid + "/c"));
    }
    want({});
    ASSERT_TRUE(runUntil([&] { return !hasSandbox(a.uid); }));
  }
}

// A pod's stop record (its grace period's deadline, kept for an agent started after a crash)
// is written on a worker, with the pod's other calls: with two fsyncs each, writing it on the
// loop stalled every other pod during a burst of deletes. So is the stop signal (a state file
// read and a pid checked), ahead of the record: a record read after a crash says it was sent.
TEST_F(ParallelStartTest, AStopIsSignalledAndRecordedOffTheLoop) {
  auto a = pod("a", {container("c")});
  a.pod.spec.terminationGracePeriodSeconds = 30;
  want({a});
  ASSERT_TRUE(runUntil([&] { return running(a.uid) == 1; }));
  want({});
  ASSERT_TRUE(runUntil([&] { return !hasSandbox(a.uid); }));
  const auto calls = gated_.calls();
  const auto at = [&](const std::string& call) {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  };
  ASSERT_LT(at("recordStop uid-a"), std::ssize(calls));
  EXPECT_LT(at("signal uid-a/c 15"), at("recordStop uid-a"));
  EXPECT_LT(at("recordStop uid-a"), at("removeSandbox uid-a"));
  for (const auto& threads : {gated_.recordStopThreads(), gated_.signalThreads()}) {
    ASSERT_FALSE(threads.empty());
    for (const auto& t : threads) EXPECT_NE(t, std::this_thread::get_id());
  }
}

// Stress (run under ThreadSanitizer as reconciler_tsan_tests): the desired set changes while
// starts and deletes are in flight on the workers, over and over; in the end exactly the
// desired pods run, each container once, and no pod ever had two calls at once.
TEST_F(ParallelStartTest, ChurnOfStartsAndDeletesInFlightEndsAsDesired) {
  std::vector<manifests::DecodedPod> all;
  for (int i = 0; i < 24; ++i) {
    std::vector<manifests::Container> cs{container("a")};
    if (i % 3 == 0) cs.push_back(container("b"));
    all.push_back(pod("s" + std::to_string(i), cs));
  }
  uint32_t seed = 12345;  // a fixed sequence: a failure reproduces
  auto next = [&seed] {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) & 0x7fff;
  };
  for (const auto& p : all) poke_.push_back("default/" + p.pod.metadata.name);
  fakeTime_ = true;
  std::vector<manifests::DecodedPod> wanted;
  for (int round = 0; round < 30; ++round) {
    wanted.clear();
    for (const auto& p : all)
      if (next() % 2 == 0) wanted.push_back(p);
    want(wanted);
    for (const auto& key : poke_) loop_->runtimeChanged(key);
    const auto turns = next() % 6;  // 0 to 5 loop turns: some calls still in flight
    for (unsigned t = 0; t < turns; ++t) {
      clock_.now += 5 * kNsPerMs;
      setFakeTime();
      io_.restart();
      io_.run_for(1ms);
    }
  }
  const auto wantedNow = [&](const std::string& uid) {
    return std::any_of(wanted.begin(), wanted.end(), [&](const auto& w) { return w.uid == uid; });
  };
  auto settled = [&] {
    for (const auto& p : all) {
      const bool isWanted = wantedNow(p.uid);
      if (isWanted && running(p.uid) != p.pod.spec.containers.size()) return false;
      if (!isWanted && hasSandbox(p.uid)) return false;
    }
    return true;
  };
  ASSERT_TRUE(runUntil(settled)) << [&] {
    std::string s;
    for (const auto& p : all) {
      const bool isWanted = wantedNow(p.uid);
      std::string calls;
      for (const auto& c : gated_.calls())
        if (c.find("uid-" + p.pod.metadata.name + "/") != std::string::npos ||
            c.ends_with("uid-" + p.pod.metadata.name))
          calls += " [" + c + "]";
      s += calls + "\n";
      s += p.pod.metadata.name + (isWanted ? " wanted" : " unwanted") +
           " sandbox=" + std::to_string(hasSandbox(p.uid)) +
           " running=" + std::to_string(running(p.uid)) + "\n";
    }
    return s;
  }();
  EXPECT_FALSE(gated_.podOverlap());
  EXPECT_LE(gated_.maxConcurrent(), kBound);
}

TEST_F(ParallelStartTest, FirstSyncComesOnceEveryPodKnownAtStartWasReconciled) {
  auto adopted = pod("adopted", {container("c")});
  auto fresh = pod("fresh", {container("c")});
  want({adopted});
  ASSERT_TRUE(runUntil([&] { return running(adopted.uid) == 1; }));
  // A new loop over the same runtime, as after an agent restart: one pod running from before,
  // one new manifest whose start is held.
  loop_->stop();
  auto before = std::move(loop_);  // kept: handlers it posted may still run (and return)
  loop_ = std::make_unique<ReconcileLoop>(io_, *reconciler_, gated_, clock_,
                                          ReconcileLoop::Options{}, &work_);
  int firstSyncs = 0;
  size_t freshRunningAtSync = 99;
  loop_->onFirstSync = [&] {
    ++firstSyncs;
    freshRunningAtSync = running(fresh.uid);
  };
  gated_.gate(fresh.uid);
  want({adopted, fresh});
  loop_->start();
  EXPECT_EQ(firstSyncs, 0);  // nothing reconciled yet
  ASSERT_TRUE(runUntil([&] { return firstSyncs == 1; }));
  EXPECT_EQ(freshRunningAtSync, 0u);  // its start under way, not waited for
  EXPECT_EQ(running(adopted.uid), 1u);
  ASSERT_TRUE(runUntil([&] { return gated_.waitingStarts() == 1; }));
  gated_.open(fresh.uid);
  ASSERT_TRUE(runUntil([&] { return running(fresh.uid) == 1; }));
  EXPECT_EQ(firstSyncs, 1);  // once only
}

TEST_F(ParallelStartTest, FirstSyncWithNoPodsComesOnceTheLoopRuns) {
  int firstSyncs = 0;
  loop_->onFirstSync = [&] { ++firstSyncs; };
  loop_->start();
  EXPECT_EQ(firstSyncs, 0);
  ASSERT_TRUE(runUntil([&] { return firstSyncs == 1; }));
}

}  // namespace
}  // namespace podkeeper::reconciler::testing
