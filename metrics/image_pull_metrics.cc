#include "metrics/image_pull_metrics.h"

namespace podkeeper::metrics {
namespace {

const prometheus::Histogram::BucketBoundaries kPullBuckets = {0.1, 0.25, 0.5, 1,   2.5, 5,
                                                              10,  30,   60,  120, 300, 600};

}  // namespace

ImagePullMetrics::ImagePullMetrics(prometheus::Registry& registry)
    : durationFamily_(prometheus::BuildHistogram()
                          .Name("podkeeper_image_pull_duration_seconds")
                          .Help("Time one image pull took (manifest, blobs and unpack).")
                          .Register(registry)),
      duration_(durationFamily_.Add({}, kPullBuckets)),
      errors_(prometheus::BuildCounter()
                  .Name("podkeeper_image_pull_errors_total")
                  .Help("Image pulls that failed, by reason.")
                  .Register(registry)) {}

void ImagePullMetrics::observe(double seconds, const std::string& errorReason) {
  duration_.Observe(seconds);
  if (!errorReason.empty()) errors_.Add({{"reason", errorReason}}).Increment();
}

}  // namespace podkeeper::metrics
