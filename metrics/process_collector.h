#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <string>
#include <vector>

namespace podkeeper::metrics {

// process_* metrics as Prometheus client libraries export them (client_golang's process
// collector): CPU seconds, resident and virtual memory, open and max fds, start time.
// Read from <procRoot>/<pid> at collection time.
class ProcessCollector : public prometheus::Collectable {
 public:
  explicit ProcessCollector(std::string procRoot = "/proc", std::string pid = "self");
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string procRoot_;
  std::string pid_;
  long ticksPerSecond_;
  long pageSize_;
};

}  // namespace podkeeper::metrics
