#include "metrics/resource_renderer.h"

#include <algorithm>
#include <vector>

#include "metrics/cadvisor_values.h"
#include "metrics/exposition.h"

namespace podkeeper::metrics {
namespace {

using Value = std::optional<double>;

std::string containerLabels(const ContainerTarget& t) {
  std::string l = "{";
  appendLabel(l, "container", t.container, true);
  appendLabel(l, "namespace", t.namespace_, false);
  appendLabel(l, "pod", t.pod, false);
  l += '}';
  return l;
}

std::string podLabels(const ContainerTarget& t) {
  std::string l = "{";
  appendLabel(l, "namespace", t.namespace_, true);
  appendLabel(l, "pod", t.pod, false);
  l += '}';
  return l;
}

struct Row {
  const TargetSample* sample;
  std::string labels;
};

// Writes one family over rows; the header only when at least one row has a value.
template <class ValueFn>
void family(std::string& out, std::string_view name, std::string_view type, std::string_view help,
            const std::vector<Row>& rows, int64_t ts, ValueFn value) {
  bool header = false;
  for (const Row& r : rows) {
    Value v = value(*r.sample);
    if (!v) continue;
    if (!header) {
      appendFamilyHeader(out, name, help, type);
      header = true;
    }
    appendSample(out, name, r.labels, *v, ts);
  }
}

std::vector<Row> rowsOf(std::span<const TargetSample> samples, bool pods) {
  std::vector<Row> rows;
  for (const TargetSample& s : samples) {
    if (isPodRow(s.target) != pods) continue;
    rows.push_back({&s, pods ? podLabels(s.target) : containerLabels(s.target)});
  }
  std::sort(rows.begin(), rows.end(),
            [](const Row& a, const Row& b) { return a.labels < b.labels; });
  return rows;
}

}  // namespace

void renderResource(std::span<const TargetSample> samples, const std::optional<NodeUsage>& node,
                    int64_t timestampMs, bool scrapeError, std::string& out) {
  const std::vector<Row> containers = rowsOf(samples, false);
  const std::vector<Row> pods = rowsOf(samples, true);
  auto cpu = [](const TargetSample& s) { return nanosToSeconds(s.stats.cpu.usageNs); };
  auto memory = [](const TargetSample& s) { return workingSetBytes(s.stats.memory); };

  family(out, "container_cpu_usage_seconds_total", "counter",
         "[STABLE] Cumulative cpu time consumed by the container in core-seconds", containers,
         timestampMs, cpu);
  family(out, "container_memory_working_set_bytes", "gauge",
         "[STABLE] Current working set of the container in bytes", containers, timestampMs, memory);
  family(out, "container_start_time_seconds", "gauge",
         "[STABLE] Start time of the container since unix epoch in seconds", containers,
         timestampMs, [](const TargetSample& s) -> Value { return s.target.startTimeSeconds; });
  if (node) {
    appendFamilyHeader(out, "node_cpu_usage_seconds_total",
                       "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
                       "counter");
    appendSample(out, "node_cpu_usage_seconds_total", "", node->cpuSeconds, timestampMs);
    appendFamilyHeader(out, "node_memory_working_set_bytes",
                       "[STABLE] Current working set of the node in bytes", "gauge");
    appendSample(out, "node_memory_working_set_bytes", "", node->workingSetBytes, timestampMs);
  }
  family(out, "pod_cpu_usage_seconds_total", "counter",
         "[STABLE] Cumulative cpu time consumed by the pod in core-seconds", pods, timestampMs,
         cpu);
  family(out, "pod_memory_working_set_bytes", "gauge",
         "[STABLE] Current working set of the pod in bytes", pods, timestampMs, memory);
  appendFamilyHeader(out, "resource_scrape_error",
                     "[STABLE] 1 if there was an error while getting container metrics, 0 "
                     "otherwise",
                     "gauge");
  appendSample(out, "resource_scrape_error", "", scrapeError || !node ? 1 : 0);
}

}  // namespace podkeeper::metrics
