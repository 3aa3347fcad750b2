#pragma once

#include <span>
#include <string>
#include <vector>

#include "metrics/machine.h"
#include "metrics/target_sample.h"

namespace podkeeper::metrics {

// Renders cAdvisor's container_* and machine_* families (names, types, HELP as cAdvisor
// publishes them) for one scrape. Keeps its scratch buffers between scrapes, so a steady
// scrape allocates nothing new. Families come in name order, rows sorted by label values.
// No sample timestamps: Prometheus then marks vanished containers stale at the next scrape.
class CadvisorRenderer {
 public:
  // Appends to out. scrapeError sets container_scrape_error to 1.
  void render(std::span<const TargetSample> samples, const MachineInfo& machine, double nowSeconds,
              bool scrapeError, std::string& out);

 private:
  void prepareRows(std::span<const TargetSample> samples);
  // container_network_* of the pod rows, one series per interface.
  void renderNetwork(std::span<const TargetSample> samples, std::string& out);

  // Per row, the rendered label blocks: {container,id,image,name,namespace,pod} and the same
  // with cpu="total", stored in one arena and addressed by offsets.
  struct RowLabels {
    size_t plainBegin, plainEnd, cpuBegin, cpuEnd;
  };
  std::string arena_;
  std::vector<RowLabels> labels_;
  std::vector<size_t> order_;
  std::string labelScratch_;
};

}  // namespace podkeeper::metrics
