#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/container_runtime.h"
#include "tests/support/fake_runtime.h"

// The fake runtime made safe to call from the loop and from runtime workers at once (every
// call holds one lock), with gates a test opens by hand: a start of a gated pod waits until
// the test opens it, so a test can hold starts in flight and see what else goes on meanwhile.
// It records how many runtime calls overlapped, in all and for one pod.
namespace podkeeper::reconciler::testing {

class GatedRuntime : public runtime::ContainerRuntime {
 public:
  explicit GatedRuntime(FakeRuntime& fake) : fake_(fake) {}

  // Starts of this uid wait until open(uid) (or openAll()).
  void gate(const std::string& uid) {
    std::lock_guard l(mu_);
    gated_.insert(uid);
  }
  void open(const std::string& uid) {
    std::lock_guard l(mu_);
    gated_.erase(uid);
    cv_.notify_all();
  }
  void openAll() {
    std::lock_guard l(mu_);
    gated_.clear();
    gatedSandboxes_.clear();
    gatedRemovals_.clear();
    holdList_ = false;
    listReleased_ = true;
    together_ = 0;
    cv_.notify_all();
  }
  // ensureSandbox of this uid waits until openSandbox(uid) (or openAll()).
  void gateSandbox(const std::string& uid) {
    std::lock_guard l(mu_);
    gatedSandboxes_.insert(uid);
  }
  void openSandbox(const std::string& uid) {
    std::lock_guard l(mu_);
    gatedSandboxes_.erase(uid);
    cv_.notify_all();
  }
  // removeSandbox of this uid waits until openRemoval(uid) (or openAll()).
  void gateRemoval(const std::string& uid) {
    std::lock_guard l(mu_);
    gatedRemovals_.insert(uid);
  }
  void openRemoval(const std::string& uid) {
    std::lock_guard l(mu_);
    gatedRemovals_.erase(uid);
    cv_.notify_all();
  }
  size_t waitingRemovals() const {
    std::lock_guard l(mu_);
    return waitingRemovals_;
  }
  size_t waitingSandboxes() const {
    std::lock_guard l(mu_);
    return waitingSandboxes_;
  }
  // The next list() made off the thread `loop` (a resync's, on a worker) reads the fake at
  // once, then waits for releaseList() before it returns what it read (a list older than
  // what happens meanwhile).
  void holdNextList(std::thread::id loop) {
    std::lock_guard l(mu_);
    holdList_ = true;
    holdNotOn_ = loop;
  }
  bool listHeld() const {
    std::lock_guard l(mu_);
    return listWaiting_;
  }
  void releaseList() {
    std::lock_guard l(mu_);
    listReleased_ = true;
    cv_.notify_all();
  }
  // Runs on the held list's thread once released, just before that list returns (so what it
  // posts to the loop comes before the list's result).
  void beforeHeldListReturns(std::function<void()> f) {
    std::lock_guard l(mu_);
    beforeHeldListReturns_ = std::move(f);
  }
  // The threads recordStop was called on, in order.
  std::vector<std::thread::id> recordStopThreads() const {
    std::lock_guard l(mu_);
    return recordStopThreads_;
  }
  // The threads signalContainer was called on, in order.
  std::vector<std::thread::id> signalThreads() const {
    std::lock_guard l(mu_);
    return signalThreads_;
  }
  // Every start waits until `n` starts are waiting at once (a barrier), then all go on.
  void startTogether(size_t n) {
    std::lock_guard l(mu_);
    together_ = n;
  }
  size_t waitingStarts() const {
    std::lock_guard l(mu_);
    return waitingStarts_;
  }
  // The most starts in flight at once (inside startContainer, waiting or running).
  size_t maxStarts() const {
    std::lock_guard l(mu_);
    return maxStarts_;
  }
  size_t maxConcurrent() const {
    std::lock_guard l(mu_);
    return maxConcurrent_;
  }
  // Two calls for one pod ran at the same time (must never happen).
  bool podOverlap() const {
    std::lock_guard l(mu_);
    return podOverlap_;
  }
  std::vector<std::string> calls() const {
    std::lock_guard l(mu_);
    return fake_.calls;
  }
  template <class F>
  auto locked(F f) const {
    std::lock_guard l(mu_);
    return f(fake_);
  }

  Result<void> prepareVolumes(const runtime::SandboxSpec& s) override {
    return call(s.uid, [&] { return fake_.prepareVolumes(s); });
  }
  Result<void> ensureSandbox(const runtime::SandboxSpec& s) override {
    {
      std::unique_lock l(mu_);
      ++waitingSandboxes_;
      cv_.wait(l, [&] { return !gatedSandboxes_.contains(s.uid); });
      --waitingSandboxes_;
    }
    return call(s.uid, [&] { return fake_.ensureSandbox(s); });
  }
  Result<void> updateDownwardAPI(const runtime::SandboxSpec& s) override {
    return call(s.uid, [&] { return fake_.updateDownwardAPI(s); });
  }
  Result<runtime::ContainerState> startContainer(const runtime::ContainerSpec& s) override {
    {
      std::unique_lock l(mu_);
      ++waitingStarts_;
      maxStarts_ = std::max(maxStarts_, waitingStarts_);
      cv_.notify_all();
      cv_.wait(l, [&] { return !gated_.contains(s.sandboxUid) && waitingStarts_ >= together_; });
      together_ = 0;  // the barrier opened once: later starts pass
    }
    auto r = call(s.sandboxUid, [&] { return fake_.startContainer(s); });
    std::lock_guard l(mu_);
    --waitingStarts_;
    return r;
  }
  Result<void> signalContainer(const std::string& uid, const std::string& n, int sig) override {
    return call(uid, [&] {
      signalThreads_.push_back(std::this_thread::get_id());
      return fake_.signalContainer(uid, n, sig);
    });
  }
  Result<void> killContainer(const std::string& uid, const std::string& n) override {
    return call(uid, [&] { return fake_.killContainer(uid, n); });
  }
  Result<void> removeContainer(const std::string& uid, const std::string& n) override {
    return call(uid, [&] { return fake_.removeContainer(uid, n); });
  }
  Result<void> recordStop(const std::string& uid, const runtime::StopRecord& stop) override {
    return call(uid, [&] {
      recordStopThreads_.push_back(std::this_thread::get_id());
      fake_.calls.push_back("recordStop " + uid);
      return fake_.recordStop(uid, stop);
    });
  }
  Result<void> removeSandbox(const std::string& uid) override {
    {
      std::unique_lock l(mu_);
      ++waitingRemovals_;
      cv_.wait(l, [&] { return !gatedRemovals_.contains(uid); });
      --waitingRemovals_;
    }
    return call(uid, [&] { return fake_.removeSandbox(uid); });
  }
  Result<void> releaseSandbox(const std::string& uid) override {
    return call(uid, [&] { return fake_.releaseSandbox(uid); });
  }
  Result<std::vector<runtime::SandboxState>> list() override {
    std::unique_lock l(mu_);
    listThreads_.push_back(std::this_thread::get_id());
    auto all = fake_.list();
    if (holdList_ && std::this_thread::get_id() != holdNotOn_) {
      holdList_ = false;
      listWaiting_ = true;
      cv_.wait(l, [&] { return listReleased_; });
      listWaiting_ = false;
      auto before = std::exchange(beforeHeldListReturns_, nullptr);
      l.unlock();
      if (before) before();
    }
    return all;
  }
  // One sandbox (a job's read-back, a reconcile's read): recorded with the lists' threads, never
  // held. After each, `afterInspect` (if set) runs on that thread with what was read, until it
  // returns true. While `failInspects(true)`, each fails (recorded all the same).
  Result<std::optional<runtime::SandboxState>> inspect(const std::string& uid) override {
    std::unique_lock l(mu_);
    listThreads_.push_back(std::this_thread::get_id());
    if (failInspects_) return failMsg("sandbox " + uid + ": read failed (test)");
    auto state = fake_.inspect(uid);
    auto after = afterInspect_;
    l.unlock();
    if (after && state && after(*state)) {
      std::lock_guard again(mu_);
      afterInspect_ = nullptr;
    }
    return state;
  }
  void failInspects(bool fail) {
    std::lock_guard l(mu_);
    failInspects_ = fail;
  }
  void afterInspect(std::function<bool(const std::optional<runtime::SandboxState>&)> f) {
    std::lock_guard l(mu_);
    afterInspect_ = std::move(f);
  }
  std::vector<std::thread::id> listThreads() const {  // who called list() or inspect, in order
    std::lock_guard l(mu_);
    return listThreads_;
  }
  Result<int> openShimPidfd(const std::string& uid, const std::string& n) override {
    std::lock_guard l(mu_);
    return fake_.openShimPidfd(uid, n);
  }

 private:
  // Counts the call as running for its pod while it runs (under the lock: the fake is not
  // thread-safe), and notes overlaps seen on entry.
  template <class F>
  std::invoke_result_t<F&> call(const std::string& uid, F f) {
    {
      std::lock_guard l(mu_);
      if (++active_[uid] > 1) podOverlap_ = true;
      ++concurrent_;
      maxConcurrent_ = std::max(maxConcurrent_, concurrent_);
    }
    auto r = [&] {
      std::lock_guard l(mu_);
      return f();
    }();
    std::lock_guard l(mu_);
    --active_[uid];
    --concurrent_;
    return r;
  }

  FakeRuntime& fake_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> gated_;
  std::set<std::string> gatedSandboxes_;
  size_t waitingSandboxes_ = 0;
  std::set<std::string> gatedRemovals_;
  size_t waitingRemovals_ = 0;
  bool holdList_ = false, listWaiting_ = false, listReleased_ = false;
  std::thread::id holdNotOn_;
  size_t together_ = 0;
  size_t waitingStarts_ = 0, maxStarts_ = 0;
  std::map<std::string, int> active_;
  size_t concurrent_ = 0, maxConcurrent_ = 0;
  bool podOverlap_ = false;
  std::vector<std::thread::id> listThreads_;
  std::function<void()> beforeHeldListReturns_;
  std::function<bool(const std::optional<runtime::SandboxState>&)> afterInspect_;
  std::vector<std::thread::id> recordStopThreads_;
  std::vector<std::thread::id> signalThreads_;
  bool failInspects_ = false;
};

}  // namespace podkeeper::reconciler::testing
