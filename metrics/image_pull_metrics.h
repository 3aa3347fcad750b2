#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <string>

// The agent's image pull metrics: podkeeper_image_pull_duration_seconds (every pull, success
// or not) and podkeeper_image_pull_errors_total{reason} (not_found, unauthorized,
// digest_mismatch, too_large, no_space, timeout, network, tls, other).
namespace podkeeper::metrics {

class ImagePullMetrics {
 public:
  explicit ImagePullMetrics(prometheus::Registry& registry);
  // errorReason "" for a pull that succeeded.
  void observe(double seconds, const std::string& errorReason);

 private:
  prometheus::Family<prometheus::Histogram>& durationFamily_;
  prometheus::Histogram& duration_;
  prometheus::Family<prometheus::Counter>& errors_;
};

}  // namespace podkeeper::metrics
