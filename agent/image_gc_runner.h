#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <set>
#include <string>

#include "common/background_work.h"
#include "image/image_gc.h"
#include "image/store/image_store.h"
#include "image/store_image_service.h"
#include "status/pod_reader.h"

namespace podkeeper::agent {

// The normalized references of every image a desired pod names or an observed container runs
// (the kubelet's "in use": never collected).
std::set<std::string> imagesInUse(const status::PodReader& pods);

// Runs the image GC off the loop on each resync (one pass at a time) and publishes
// podkeeper_images and podkeeper_image_store_bytes.
class ImageGcRunner {
 public:
  ImageGcRunner(boost::asio::io_context& io, image::ImageStore& store,
                image::StoreImageService& service, image::ImageGcPolicy policy,
                prometheus::Registry& registry);

  void run(std::set<std::string> inUse);
  // Every image not in use removed, whatever the thresholds (the kubelet's DeleteUnusedImages,
  // before it evicts pods for disk pressure); done() on the loop once the pass ended. A pass
  // already running counts: done() is called without another.
  void removeUnused(std::set<std::string> inUse, std::function<void()> done);

 private:
  image::ImageStore& store_;
  image::StoreImageService& service_;
  image::ImageGcPolicy policy_;
  prometheus::Gauge& images_;
  prometheus::Gauge& bytes_;
  void pass(std::set<std::string> inUse, image::ImageGcPolicy policy, std::function<void()> done);

  bool running_ = false;
  BackgroundWork worker_;  // last: destroyed first, waits for a pass in progress
};

}  // namespace podkeeper::agent
