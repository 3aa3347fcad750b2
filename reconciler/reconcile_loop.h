#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "reconciler/reconciler.h"
#include "reconciler/work_queue.h"

namespace podkeeper::reconciler {

// Drives the Reconciler on the agent's one io_context: the work queue's delays on one timer,
// a periodic resync (every sandbox listed; the keys that changed, and now and then all of
// them, reconciled), and a pidfd watch on every live shim so an exit is noticed
// at once. Reconciles run on the loop one at a time; the runtime calls they need go off the
// loop through `work` (see Reconciler::setRuntimeWork), and while they run the key stays
// being worked on (so one pod is never reconciled twice at once, and its actions keep their
// order) while other keys go on. At most maxParallel keys are in flight; the others wait in
// the queue. Without `work` every call is made on the loop (unit tests).
class ReconcileLoop {
 public:
  struct Options {
    std::chrono::milliseconds resyncInterval{10'000};
    // A resync queues the keys its list found changed (a sandbox that came, went or reads
    // differently); every fullResyncEvery-th one queues every key, as the kubelet syncs each
    // pod once a minute besides its events (6 x 10 s).
    size_t fullResyncEvery = 6;
    WorkQueue::Backoff failureBackoff{1 * kNsPerSec, 60 * kNsPerSec};
    size_t maxParallel = 4;  // keys whose runtime calls are in flight (--max-parallel-starts)
  };
  ReconcileLoop(boost::asio::io_context& io, Reconciler& reconciler, runtime::ContainerRuntime& rt,
                const Clock& clock, Options options, RuntimeWork* work = nullptr);

  // Whether keys are waiting or in flight (a burst is being worked through).
  bool busy() const { return queue_.hasReady() || !inFlight_.empty(); }
  size_t inFlight() const { return inFlight_.size(); }
  // Called when a key is queued (e.g. to sample the loop's lag more often).
  std::function<void()> onEnqueued;

  // Loads observed state, queues every key, starts the resync timer.
  void start();
  // Reconcile the key soon. For causes outside the pod's runtime state (its manifest, a probe,
  // a pull, a monitor's decision): what was read of its sandboxes stays current.
  void enqueue(const std::string& key);
  // The pod's runtime state changed behind the loop (what a shim's pidfd watch reports): the
  // key is queued and its next reconcile reads its sandboxes again.
  void runtimeChanged(const std::string& key);
  void stop();

  // Called after every reconcile with its duration in seconds (for the histogram).
  std::function<void(double)> onReconciled;
  // Called at each periodic resync (e.g. to measure local storage).
  std::function<void()> onResync;
  // Called once, on the loop, when every key start() queued has been reconciled once: pods
  // found from an earlier run adopted, new pods' starts under way (the first full sync).
  std::function<void()> onFirstSync;

 private:
  void add(const std::string& key);  // queued; what is known of the key stays as it is
  // Something happened to the key (a runtime event, a reconcile, its calls ended): what a
  // list read before now may be stale for it.
  void noteActivity(const std::string& key);
  void kick();
  void runOne();
  void armDelayTimer();
  void armResync();
  void resync();
  void watchShims(const std::string& key);
  // The key's runtime calls ended (on the loop): it is reconciled again.
  void settled(const std::string& key, Result<void> result, bool readBack);
  void finished(const std::string& key, const Result<Reconciler::Outcome>& outcome);
  void firstSyncProgress(const std::string& key);  // key reconciled once ("" = none queued)

  boost::asio::io_context& io_;
  Reconciler& reconciler_;
  runtime::ContainerRuntime& runtime_;
  const Clock& clock_;
  Options options_;
  WorkQueue queue_;
  boost::asio::steady_timer delayTimer_;
  boost::asio::steady_timer resyncTimer_;
  RuntimeWork* work_ = nullptr;
  bool resyncRunning_ = false;
  size_t resyncs_ = 0;
  // Keys whose observed state in memory is what is on disk now, so their next reconcile plans
  // from it without reading (Reconciler::reconcile's fromList): read off the loop after
  // everything this loop knew of them (a resync's list, their job's read-back) or by their
  // last pass, with no runtime event and no call since (the kubelet's pod workers also plan
  // from a cache its relist fills). Each sandbox is read once, off the loop.
  std::set<std::string> current_;
  std::optional<std::set<std::string>> activeWhileListing_;  // set while a resync's list reads
  bool runPosted_ = false;
  std::set<std::string> inFlight_;  // keys whose runtime calls run off the loop
  // Keys in flight that a runtime event touched while their job ran: the job's read-back may
  // predate it, so their next reconcile reads again.
  std::set<std::string> activeInFlight_;
  bool stopped_ = false;
  std::set<std::string> firstSyncPending_;
  bool firstSyncDone_ = false;
  // "<uid>/<container>" -> pidfd of its shim
  std::map<std::string, std::unique_ptr<boost::asio::posix::stream_descriptor>> shimWatches_;
};

}  // namespace podkeeper::reconciler
