#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/background_work.h"
#include "reconciler/reconciler.h"
#include "reconciler/storage_eviction.h"

// Measures the local storage of the pods that limit it, off the loop: at each call one job on
// a worker thread walks their directories (runtime::diskUsage: iterative and bounded), then
// posts the usage back to the loop, where the reconciler gets it and the pods are queued. A
// call while a measurement runs does nothing, so slow disks never pile up jobs.
namespace podkeeper::reconciler {

// Sums what the request names; a directory that is missing counts 0, one that cannot be
// walked (too deep, too many entries) counts what was seen, with a warning.
PodStorageUsage measureStorage(const StorageRequest& request);

class StorageMonitor {
 public:
  StorageMonitor(boost::asio::io_context& io, Reconciler& reconciler,
                 std::function<void(const std::string& key)> requeue);
  StorageMonitor(const StorageMonitor&) = delete;
  StorageMonitor& operator=(const StorageMonitor&) = delete;

  void measure();

 private:
  boost::asio::io_context& io_;
  Reconciler& reconciler_;
  std::function<void(const std::string&)> requeue_;
  bool running_ = false;
  BackgroundWork worker_{io_, 1};  // destroyed first: waits for a measurement in progress
};

}  // namespace podkeeper::reconciler
