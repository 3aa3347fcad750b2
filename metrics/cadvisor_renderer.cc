#include "metrics/cadvisor_renderer.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string_view>

#include "metrics/cadvisor_values.h"
#include "metrics/exposition.h"

namespace podkeeper::metrics {
namespace {

using Value = std::optional<double>;

struct ContainerFamily {
  std::string_view name;
  std::string_view type;
  std::string_view help;
  bool cpuLabel;  // carries cpu="total"
  Value (*value)(const TargetSample& s, double now);
};

Value quotaOnly(const TargetSample& s, Value v) {
  return hasCpuQuota(s.stats.spec) ? v : std::nullopt;
}

// cAdvisor's families (metrics/prometheus.go), in name order.
constexpr ContainerFamily kFamilies[] = {
    {"container_cpu_cfs_periods_total", "counter",
     "Number of elapsed enforcement period intervals.", false,
     [](const TargetSample& s, double) { return quotaOnly(s, asDouble(s.stats.cpu.periods)); }},
    {"container_cpu_cfs_throttled_periods_total", "counter",
     "Number of throttled period intervals.", false,
     [](const TargetSample& s, double) {
       return quotaOnly(s, asDouble(s.stats.cpu.throttledPeriods));
     }},
    {"container_cpu_cfs_throttled_seconds_total", "counter",
     "Total time duration the container has been throttled.", false,
     [](const TargetSample& s, double) {
       return quotaOnly(s, nanosToSeconds(s.stats.cpu.throttledNs));
     }},
    {"container_cpu_system_seconds_total", "counter",
     "Cumulative system cpu time consumed in seconds.", false,
     [](const TargetSample& s, double) { return nanosToSeconds(s.stats.cpu.systemNs); }},
    {"container_cpu_usage_seconds_total", "counter", "Cumulative cpu time consumed in seconds.",
     true, [](const TargetSample& s, double) { return nanosToSeconds(s.stats.cpu.usageNs); }},
    {"container_cpu_user_seconds_total", "counter", "Cumulative user cpu time consumed in seconds.",
     false, [](const TargetSample& s, double) { return nanosToSeconds(s.stats.cpu.userNs); }},
    {"container_last_seen", "gauge", "Last time a container was seen by the exporter", false,
     [](const TargetSample&, double now) -> Value { return std::floor(now); }},
    {"container_memory_cache", "gauge", "Number of bytes of page cache memory.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.cacheBytes); }},
    {"container_memory_failcnt", "counter", "Number of memory usage hits limits", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.failcnt); }},
    {"container_memory_max_usage_bytes", "gauge", "Maximum memory usage recorded in bytes", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.maxUsageBytes); }},
    {"container_memory_rss", "gauge", "Size of RSS in bytes.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.rssBytes); }},
    {"container_memory_swap", "gauge", "Container swap usage in bytes.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.swapBytes); }},
    {"container_memory_usage_bytes", "gauge",
     "Current memory usage in bytes, including all memory regardless of when it was accessed",
     false, [](const TargetSample& s, double) { return asDouble(s.stats.memory.usageBytes); }},
    {"container_memory_working_set_bytes", "gauge", "Current working set in bytes.", false,
     [](const TargetSample& s, double) { return workingSetBytes(s.stats.memory); }},
    {"container_oom_events_total", "counter",
     "Count of out of memory events observed for the container", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.memory.oomKills); }},
    {"container_processes", "gauge", "Number of processes running inside the container.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.processes); }},
};

// Spec families come after container_processes and before container_threads in name order.
constexpr ContainerFamily kSpecFamilies[] = {
    {"container_spec_cpu_period", "gauge", "CPU period of the container.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.spec.cpuPeriodUs); }},
    {"container_spec_cpu_quota", "gauge", "CPU quota of the container.", false,
     [](const TargetSample& s, double) -> Value {
       if (!hasCpuQuota(s.stats.spec)) return std::nullopt;
       return static_cast<double>(*s.stats.spec.cpuQuotaUs);
     }},
    {"container_spec_cpu_shares", "gauge", "CPU share of the container.", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.spec.cpuShares); }},
    {"container_spec_memory_limit_bytes", "gauge", "Memory limit for the container.", false,
     [](const TargetSample& s, double) -> Value {
       return specMemoryLimitBytes(s.stats.spec.memoryLimitBytes);
     }},
    {"container_start_time_seconds", "gauge",
     "Start time of the container since unix epoch in seconds.", false,
     [](const TargetSample& s, double) -> Value { return s.target.startTimeSeconds; }},
    {"container_threads", "gauge", "Number of threads running inside the container", false,
     [](const TargetSample& s, double) { return asDouble(s.stats.threads); }},
};

std::string_view leafName(std::string_view cgroupPath) {
  size_t slash = cgroupPath.rfind('/');
  return slash == std::string_view::npos ? cgroupPath : cgroupPath.substr(slash + 1);
}

struct NetworkFamily {
  std::string_view name;
  std::string_view help;
  uint64_t InterfaceStats::*value;
};

// cAdvisor's network families, in name order.
constexpr NetworkFamily kNetworkFamilies[] = {
    {"container_network_receive_bytes_total", "Cumulative count of bytes received",
     &InterfaceStats::rxBytes},
    {"container_network_receive_errors_total",
     "Cumulative count of errors encountered while receiving", &InterfaceStats::rxErrors},
    {"container_network_receive_packets_dropped_total",
     "Cumulative count of packets dropped while receiving", &InterfaceStats::rxDropped},
    {"container_network_receive_packets_total", "Cumulative count of packets received",
     &InterfaceStats::rxPackets},
    {"container_network_transmit_bytes_total", "Cumulative count of bytes transmitted",
     &InterfaceStats::txBytes},
    {"container_network_transmit_errors_total",
     "Cumulative count of errors encountered while transmitting", &InterfaceStats::txErrors},
    {"container_network_transmit_packets_dropped_total",
     "Cumulative count of packets dropped while transmitting", &InterfaceStats::txDropped},
    {"container_network_transmit_packets_total", "Cumulative count of packets transmitted",
     &InterfaceStats::txPackets},
};

}  // namespace

void CadvisorRenderer::renderNetwork(std::span<const TargetSample> samples, std::string& out) {
  for (const auto& f : kNetworkFamilies) {
    bool headerWritten = false;
    for (size_t i : order_) {
      const TargetSample& s = samples[i];
      for (const auto& iface : s.network) {
        if (!headerWritten) {
          appendFamilyHeader(out, f.name, f.help, "counter");
          headerWritten = true;
        }
        labelScratch_.clear();
        labelScratch_ += '{';
        appendLabel(labelScratch_, "container", "", true);
        labelScratch_ += ",id=\"/";
        appendLabelValue(labelScratch_, s.target.cgroupPath);
        labelScratch_ += '"';
        appendLabel(labelScratch_, "image", "", false);
        appendLabel(labelScratch_, "interface", iface.name, false);
        appendLabel(labelScratch_, "name", "", false);
        appendLabel(labelScratch_, "namespace", s.target.namespace_, false);
        appendLabel(labelScratch_, "pod", s.target.pod, false);
        labelScratch_ += '}';
        appendSample(out, f.name, labelScratch_, static_cast<double>(iface.*(f.value)));
      }
    }
  }
}

void CadvisorRenderer::prepareRows(std::span<const TargetSample> samples) {
  arena_.clear();
  labels_.clear();
  order_.clear();
  for (size_t i = 0; i < samples.size(); ++i) {
    const ContainerTarget& t = samples[i].target;
    const std::string_view name = isPodRow(t) ? std::string_view{} : leafName(t.cgroupPath);
    RowLabels row{};
    for (bool withCpu : {false, true}) {
      size_t begin = arena_.size();
      arena_ += '{';
      appendLabel(arena_, "container", t.container, true);
      if (withCpu) appendLabel(arena_, "cpu", "total", false);
      arena_ += ",id=\"/";
      appendLabelValue(arena_, t.cgroupPath);
      arena_ += '"';
      appendLabel(arena_, "image", t.image, false);
      appendLabel(arena_, "name", name, false);
      appendLabel(arena_, "namespace", t.namespace_, false);
      appendLabel(arena_, "pod", t.pod, false);
      arena_ += '}';
      (withCpu ? row.cpuBegin : row.plainBegin) = begin;
      (withCpu ? row.cpuEnd : row.plainEnd) = arena_.size();
    }
    labels_.push_back(row);
    order_.push_back(i);
  }
  // Label values in label-name order: container first, then id (unique per cgroup).
  std::sort(order_.begin(), order_.end(), [&](size_t a, size_t b) {
    const ContainerTarget& x = samples[a].target;
    const ContainerTarget& y = samples[b].target;
    if (x.container != y.container) return x.container < y.container;
    return x.cgroupPath < y.cgroupPath;
  });
}

void CadvisorRenderer::render(std::span<const TargetSample> samples, const MachineInfo& machine,
                              double nowSeconds, bool scrapeError, std::string& out) {
  prepareRows(samples);
  auto renderFamily = [&](const ContainerFamily& f) {
    bool headerWritten = false;
    for (size_t i : order_) {
      Value v = f.value(samples[i], nowSeconds);
      if (!v) continue;
      if (!headerWritten) {
        appendFamilyHeader(out, f.name, f.help, f.type);
        headerWritten = true;
      }
      const RowLabels& row = labels_[i];
      std::string_view labels =
          f.cpuLabel
              ? std::string_view(arena_).substr(row.cpuBegin, row.cpuEnd - row.cpuBegin)
              : std::string_view(arena_).substr(row.plainBegin, row.plainEnd - row.plainBegin);
      appendSample(out, f.name, labels, *v);
    }
  };
  for (const auto& f : kFamilies) {
    // container_network_* sort between container_memory_* and container_oom_events_total.
    if (f.name == "container_oom_events_total") renderNetwork(samples, out);
    renderFamily(f);
  }

  appendFamilyHeader(out, "container_scrape_error",
                     "1 if there was an error while getting container metrics, 0 otherwise",
                     "gauge");
  appendSample(out, "container_scrape_error", "", scrapeError ? 1 : 0);

  for (const auto& f : kSpecFamilies) renderFamily(f);

  std::string machineLabels = "{";
  appendLabel(machineLabels, "boot_id", machine.bootId, true);
  appendLabel(machineLabels, "machine_id", machine.machineId, false);
  appendLabel(machineLabels, "system_uuid", machine.systemUuid, false);
  machineLabels += '}';
  appendFamilyHeader(out, "machine_cpu_cores", "Number of logical CPU cores.", "gauge");
  appendSample(out, "machine_cpu_cores", machineLabels, static_cast<double>(machine.cpuCores));
  appendFamilyHeader(out, "machine_memory_bytes", "Amount of memory installed on the machine.",
                     "gauge");
  appendSample(out, "machine_memory_bytes", machineLabels,
               static_cast<double>(machine.memoryBytes));
}

}  // namespace podkeeper::metrics
