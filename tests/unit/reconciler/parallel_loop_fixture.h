#pragma once
// The fixture of the reconcile loop over real threads: a Reconciler and a ReconcileLoop whose
// runtime calls go to a BackgroundWork pool, over the gated fake runtime; the loop runs on the
// test's thread (runUntil), the fake clock moving with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/background_work.h"
#include "manifests/identity.h"
#include "reconciler/reconcile_loop.h"
#include "reconciler/reconciler.h"
#include "reconciler/runtime_work.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/gated_runtime.h"
#include "tests/support/test_pods.h"

namespace podkeeper::reconciler::testing {

using namespace std::chrono_literals;

class ParallelStartTest : public ::testing::Test {
 protected:
  static constexpr size_t kBound = 4;

  void SetUp() override { newAgent(); }
  // A reconciler and a loop (not started) over the fake runtime, as an agent starting finds it;
  // those before (an agent killed) are stopped first.
  void newAgent() {
    if (loop_) loop_->stop();
    loop_.reset();  // before the reconciler it refers to
    reconciler_ = std::make_unique<Reconciler>(
        gated_, images_, clock_,
        NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30}, ReconcileHooks{},
        handlers_);
    ReconcileLoop::Options o;
    o.maxParallel = kBound;
    loop_ = std::make_unique<ReconcileLoop>(io_, *reconciler_, gated_, clock_, o, &work_);
  }
  void TearDown() override {
    gated_.openAll();
    loop_->stop();
    pool_.reset();  // waits for calls in flight before the reconciler goes
  }

  void want(const std::vector<manifests::DecodedPod>& pods) {
    std::map<std::string, manifests::DecodedPod> m;
    for (const auto& p : pods)
      m[manifests::podKey(p.pod.metadata.namespace_, p.pod.metadata.name)] = p;
    for (const auto& key : reconciler_->setDesired(std::move(m))) loop_->enqueue(key);
  }
  // Runs the loop here until cond holds (at most 10 s), the fake clock moving 5 ms a turn
  // (exits settle, back-offs end) unless frozen.
  bool runUntil(const std::function<bool()>& cond) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      if (!frozen_) clock_.now += 5 * kNsPerMs;
      if (fakeTime_) setFakeTime();
      for (const auto& key : poke_) loop_->runtimeChanged(key);  // the pidfd watch, resync
      io_.restart();
      io_.run_for(5ms);
    }
    return cond();
  }
  // A new loop (not started) that resyncs every `interval`, every key at every
  // `fullResyncEvery`-th resync.
  void resyncEvery(std::chrono::milliseconds interval,
                   size_t fullResyncEvery = ReconcileLoop::Options{}.fullResyncEvery) {
    loop_->stop();
    ReconcileLoop::Options o;
    o.maxParallel = kBound;
    o.resyncInterval = interval;
    o.fullResyncEvery = fullResyncEvery;
    loop_ = std::make_unique<ReconcileLoop>(io_, *reconciler_, gated_, clock_, o, &work_);
  }
  bool frozen_ = false;
  // The fake runtime's clock follows the test's (each container instance gets its own start
  // time, as the stopper tells instances apart by it).
  bool fakeTime_ = false;
  void setFakeTime() {
    gated_.locked([&](FakeRuntime& f) {
      f.nowNs = clock_.now;
      return 0;
    });
  }
  std::vector<std::string> poke_;  // keys queued every turn (the fake has no pidfds)
  size_t running(const std::string& uid) {
    return gated_.locked([&](FakeRuntime& f) {
      size_t n = 0;
      if (auto it = f.sandboxes.find(uid); it != f.sandboxes.end())
        for (const auto& c : it->second.containers) n += c.running ? 1 : 0;
      return n;
    });
  }
  // Sandbox reads (inspect, list) made on the thread that runs the loop here.
  long readsOnLoop() {
    const auto threads = gated_.listThreads();
    return std::count(threads.begin(), threads.end(), std::this_thread::get_id());
  }
  long count(const std::string& call) {  // how often, e.g. "remove uid-a/c"
    auto calls = gated_.calls();
    return std::count(calls.begin(), calls.end(), call);
  }
  bool called(const std::string& call) { return count(call) > 0; }
  // The pod wanted, the loop started, and run until its `n` containers run and nothing is
  // queued or in flight.
  bool startSettled(const manifests::DecodedPod& p, size_t n) {
    want({p});
    loop_->start();
    return runUntil([&] { return running(p.uid) == n && !loop_->busy(); });
  }
  void exitContainer(const std::string& uid, const std::string& name, int code) {
    gated_.locked([&](FakeRuntime& f) {
      f.exitContainer(uid, name, code);
      return 0;
    });
  }
  bool hasSandbox(const std::string& uid) {
    return gated_.locked([&](FakeRuntime& f) { return f.sandboxes.contains(uid); });
  }

  probe::HandlerRunner* handlers_ = nullptr;  // set before SetUp: probes and hooks run on it
  boost::asio::io_context io_;
  FakeRuntime fake_;
  GatedRuntime gated_{fake_};
  FakeImageService images_;
  FakeClock clock_;
  std::unique_ptr<BackgroundWork> pool_ = std::make_unique<BackgroundWork>(io_, kBound);
  BackgroundRuntimeWork work_{*pool_};
  std::unique_ptr<Reconciler> reconciler_;
  std::unique_ptr<ReconcileLoop> loop_;
};

}  // namespace podkeeper::reconciler::testing
