#include "reconciler/reconcile_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <memory>

#include "reconciler/runtime_work.h"

namespace podkeeper::reconciler {

ReconcileLoop::ReconcileLoop(boost::asio::io_context& io, Reconciler& reconciler,
                             runtime::ContainerRuntime& rt, const Clock& clock, Options options,
                             RuntimeWork* work)
    : io_(io),
      reconciler_(reconciler),
      runtime_(rt),
      clock_(clock),
      options_(options),
      queue_(options.failureBackoff),
      delayTimer_(io),
      resyncTimer_(io),
      work_(work) {
  options_.maxParallel = std::max<size_t>(1, options_.maxParallel);
  if (work)
    reconciler_.setRuntimeWork(work,
                               [this](const std::string& key, Result<void> result, bool readBack) {
                                 settled(key, std::move(result), readBack);
                               });
}

void ReconcileLoop::start() {
  const auto seen = reconciler_.observeAll();
  if (!seen) spdlog::error("{}", seen.error().message);
  size_t adopted = reconciler_.observedSandboxes().size();
  if (adopted > 0) spdlog::info("found {} pod sandboxes from an earlier run", adopted);
  for (const auto& key : reconciler_.keys()) {
    firstSyncPending_.insert(key);
    if (seen && !reconciler_.keptAtLastList(key)) current_.insert(key);  // just read
    add(key);
  }
  armResync();
  if (firstSyncPending_.empty()) boost::asio::post(io_, [this] { firstSyncProgress(""); });
}

void ReconcileLoop::firstSyncProgress(const std::string& key) {
  firstSyncPending_.erase(key);
  if (firstSyncDone_ || !firstSyncPending_.empty() || stopped_) return;
  firstSyncDone_ = true;
  if (onFirstSync) onFirstSync();
}

void ReconcileLoop::stop() {
  stopped_ = true;
  delayTimer_.cancel();
  resyncTimer_.cancel();
  shimWatches_.clear();
}

void ReconcileLoop::enqueue(const std::string& key) { add(key); }

void ReconcileLoop::runtimeChanged(const std::string& key) {
  noteActivity(key);
  add(key);
}

void ReconcileLoop::noteActivity(const std::string& key) {
  current_.erase(key);
  if (activeWhileListing_) activeWhileListing_->insert(key);
  if (inFlight_.contains(key)) activeInFlight_.insert(key);
}

void ReconcileLoop::add(const std::string& key) {
  queue_.add(key);
  if (onEnqueued) onEnqueued();
  kick();
}

void ReconcileLoop::kick() {
  if (stopped_ || runPosted_) return;
  if (inFlight_.size() >= options_.maxParallel) return;  // settled() kicks again
  if (queue_.hasReady() || queue_.nextDueNs().value_or(INT64_MAX) <= clock_.nowNs()) {
    runPosted_ = true;
    boost::asio::post(io_, [this] { runOne(); });
    return;
  }
  armDelayTimer();
}

void ReconcileLoop::armDelayTimer() {
  auto due = queue_.nextDueNs();
  if (!due) return;
  auto wait = std::chrono::nanoseconds(std::max<int64_t>(0, *due - clock_.nowNs()));
  delayTimer_.expires_after(wait);
  delayTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) kick();
  });
}

void ReconcileLoop::runOne() {
  runPosted_ = false;
  if (stopped_ || inFlight_.size() >= options_.maxParallel) return;
  auto key = queue_.pop(clock_.nowNs());
  if (key) {
    const bool current = current_.contains(*key);
    noteActivity(*key);
    auto started = std::chrono::steady_clock::now();
    auto outcome = reconciler_.reconcile(*key, current);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (onReconciled) onReconciled(seconds);
    if (outcome && outcome->inFlight) {
      inFlight_.insert(*key);  // settled() finishes it
      activeInFlight_.erase(*key);
    } else {
      // No call went off the loop: what the pass planned from (current, or read at its start)
      // is still what is there until an event says otherwise. A failed pass reads again.
      if (outcome) current_.insert(*key);
      finished(*key, outcome);
    }
    firstSyncProgress(*key);
  }
  kick();
}

void ReconcileLoop::finished(const std::string& key, const Result<Reconciler::Outcome>& outcome) {
  if (outcome) {
    queue_.forget(key);
    if (outcome->requeueAtNs) queue_.addAt(key, *outcome->requeueAtNs);
  } else {
    int64_t delay = queue_.fail(key, clock_.nowNs());
    spdlog::error("{} (retry in {:.1f}s)", outcome.error().message, double(delay) / kNsPerSec);
  }
  queue_.done(key);
  watchShims(key);
}

void ReconcileLoop::settled(const std::string& key, Result<void> result, bool readBack) {
  const bool quiet = activeInFlight_.erase(key) == 0;  // no event while the job ran
  const bool wasInFlight = inFlight_.erase(key) > 0;
  noteActivity(key);
  if (!wasInFlight || stopped_) return;
  if (result) {
    // Level-triggered: the next step is planned from what is there now, and before other
    // pods' first steps (WorkQueue::addFront): in a burst of 200 pods the first ones run
    // within milliseconds instead of after every pod's sandbox was made. "What is there now"
    // is what the job read back on its worker after its calls, unless an event for the key
    // came while it ran (the read may predate what the event reports): then it is read again.
    queue_.done(key);
    queue_.addFront(key);
    if (readBack && quiet) current_.insert(key);
    watchShims(key);
  } else {
    finished(key, fail(result.error()));
  }
  kick();
}

void ReconcileLoop::watchShims(const std::string& key) {
  for (const auto* sandbox : reconciler_.observedSandboxesOf(key)) {
    const std::string& uid = sandbox->uid;
    for (const auto& c : sandbox->containers) {
      std::string id = uid + "/" + c.name;
      if (!c.shimAlive || shimWatches_.contains(id)) continue;
      auto fd = runtime_.openShimPidfd(uid, c.name);
      if (!fd) {
        // Already gone, though the state the key's next plan starts from said alive: the next
        // reconcile reads it again and sees the exit.
        if (fd.error().code == ESRCH || fd.error().code == ENOENT) noteActivity(key);
        continue;
      }
      auto watch = std::make_unique<boost::asio::posix::stream_descriptor>(io_, *fd);
      watch->async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this, id, key](const boost::system::error_code& ec) {
                          if (ec) return;
                          shimWatches_.erase(id);
                          runtimeChanged(key);
                        });
      shimWatches_[id] = std::move(watch);
    }
  }
}

void ReconcileLoop::armResync() {
  resyncTimer_.expires_after(options_.resyncInterval);
  resyncTimer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    resync();
    armResync();
  });
}

void ReconcileLoop::resync() {
  // Sandboxes made, changed or removed behind our back show up here; their keys are looked
  // at, and every key at every fullResyncEvery-th resync.
  // Reading every sandbox back (tens of milliseconds with 200 pods) runs off the loop.
  using Listed = Result<std::vector<runtime::SandboxState>>;
  // A key nothing happened to while the list was read (no event here; no reconcile, finished
  // call or call in flight, which the reconciler kept out of the list) is planned from what
  // the list read.
  auto apply = [this](Listed all) {
    resyncRunning_ = false;
    if (stopped_) return;
    const auto active = std::exchange(activeWhileListing_, std::nullopt);
    const auto applied = reconciler_.applyObserved(std::move(all));
    if (!applied) spdlog::error("resync: {}", applied.error().message);
    const bool everyKey =
        !applied || ++resyncs_ % std::max<size_t>(1, options_.fullResyncEvery) == 0;
    const auto keys = reconciler_.keys();
    std::erase_if(current_, [&](const std::string& key) {
      return !std::binary_search(keys.begin(), keys.end(), key);  // gone from the node
    });
    for (const auto& key : keys) {
      if (applied && active && !active->contains(key) && !reconciler_.keptAtLastList(key))
        current_.insert(key);
      if (everyKey || applied->contains(key)) add(key);
    }
    if (onResync) onResync();
  };
  if (resyncRunning_) return;  // the last one is still reading
  resyncRunning_ = true;
  activeWhileListing_.emplace();
  reconciler_.beginListing();
  if (!work_) return apply(runtime_.list());
  auto listed = std::make_shared<Listed>();
  work_->run([listed, &rt = runtime_] { *listed = rt.list(); },
             [listed, apply] { apply(std::move(*listed)); });
}

}  // namespace podkeeper::reconciler
