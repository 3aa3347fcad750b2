#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "reconciler/reconciler.h"
#include "reconciler/work_queue.h"

namespace podkeeper::reconciler {

// Drives the Reconciler on the agent's one io_context: one key at a time (so one pod is never
// reconciled twice at once), the work queue's delays on one timer, a periodic resync of every
// key, and a pidfd watch on every live shim so an exit is noticed at once.
class ReconcileLoop {
 public:
  struct Options {
    std::chrono::milliseconds resyncInterval{10'000};
    WorkQueue::Backoff failureBackoff{1 * kNsPerSec, 60 * kNsPerSec};
  };
  ReconcileLoop(boost::asio::io_context& io, Reconciler& reconciler, runtime::ContainerRuntime& rt,
                const Clock& clock, Options options);

  // Loads observed state, queues every key, starts the resync timer.
  void start();
  void enqueue(const std::string& key);
  void stop();

  // Called after every reconcile with its duration in seconds (for the histogram).
  std::function<void(double)> onReconciled;
  // Called at each periodic resync (e.g. to measure local storage).
  std::function<void()> onResync;

 private:
  void kick();
  void runOne();
  void armDelayTimer();
  void armResync();
  void resync();
  void watchShims(const std::string& key);

  boost::asio::io_context& io_;
  Reconciler& reconciler_;
  runtime::ContainerRuntime& runtime_;
  const Clock& clock_;
  Options options_;
  WorkQueue queue_;
  boost::asio::steady_timer delayTimer_;
  boost::asio::steady_timer resyncTimer_;
  bool runPosted_ = false;
  bool stopped_ = false;
  // "<uid>/<container>" -> pidfd of its shim
  std::map<std::string, std::unique_ptr<boost::asio::posix::stream_descriptor>> shimWatches_;
};

}  // namespace podkeeper::reconciler
