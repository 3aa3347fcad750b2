#include "metrics/loop_metrics.h"

namespace podkeeper::metrics {
namespace {

// Fine at the bottom: the targets are a loop lag under 5 ms and stages of a few ms.
const prometheus::Histogram::BucketBoundaries kLagBuckets = {
    0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
const prometheus::Histogram::BucketBoundaries kStageBuckets = {
    0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

}  // namespace

LoopMetrics::LoopMetrics(prometheus::Registry& registry)
    : loopLagFamily_(prometheus::BuildHistogram()
                         .Name("podkeeper_loop_lag_seconds")
                         .Help("How much later than asked a timer on the agent's loop ran: the "
                               "time the loop was busy with something else.")
                         .Register(registry)),
      loopLag_(loopLagFamily_.Add({}, kLagBuckets)),
      startStages_(prometheus::BuildHistogram()
                       .Name("podkeeper_pod_start_duration_seconds")
                       .Help("Time one stage of a pod's start took, by stage (queued, sandbox, "
                             "container).")
                       .Register(registry)) {
  for (const char* stage : {"queued", "sandbox", "container"})
    startStages_.Add({{"stage", stage}}, kStageBuckets);
}

void LoopMetrics::observeStartStage(const std::string& stage, double seconds) {
  startStages_.Add({{"stage", stage}}, kStageBuckets).Observe(seconds);
}

}  // namespace podkeeper::metrics
