#include "metrics/process_collector.h"

#include <dirent.h>
#include <unistd.h>

#include <optional>

#include "metrics/proc_files.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::metrics {
namespace {

prometheus::MetricFamily single(const char* name, const char* help, prometheus::MetricType type,
                                double value) {
  prometheus::MetricFamily f{name, help, type, {}};
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  f.metric.push_back(std::move(m));
  return f;
}

std::optional<double> countEntries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return std::nullopt;
  double n = 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

}  // namespace

ProcessCollector::ProcessCollector(std::string procRoot, std::string pid)
    : procRoot_(std::move(procRoot)),
      pid_(std::move(pid)),
      ticksPerSecond_(::sysconf(_SC_CLK_TCK)),
      pageSize_(::sysconf(_SC_PAGESIZE)) {}

std::vector<prometheus::MetricFamily> ProcessCollector::Collect() const {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  const std::string base = procRoot_ + "/" + pid_;
  auto statText = runtime::readWholeFile(base + "/stat");
  auto stat = statText ? parseProcPidStat(*statText) : std::nullopt;
  if (stat) {
    const double hz = static_cast<double>(ticksPerSecond_);
    out.push_back(single("process_cpu_seconds_total",
                         "Total user and system CPU time spent in seconds.", MetricType::Counter,
                         static_cast<double>(stat->utimeTicks + stat->stimeTicks) / hz));
  }
  auto limits = runtime::readWholeFile(base + "/limits");
  if (auto max = limits ? maxOpenFiles(*limits) : std::nullopt) {
    out.push_back(single("process_max_fds", "Maximum number of open file descriptors.",
                         MetricType::Gauge, static_cast<double>(*max)));
  }
  if (auto fds = countEntries(base + "/fd")) {
    out.push_back(
        single("process_open_fds", "Number of open file descriptors.", MetricType::Gauge, *fds));
  }
  if (stat) {
    out.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.",
                         MetricType::Gauge,
                         static_cast<double>(stat->rssPages) * static_cast<double>(pageSize_)));
    auto procStat = runtime::readWholeFile(procRoot_ + "/stat");
    if (auto btime = procStat ? procStatBootTime(*procStat) : std::nullopt) {
      out.push_back(single("process_start_time_seconds",
                           "Start time of the process since unix epoch in seconds.",
                           MetricType::Gauge,
                           static_cast<double>(*btime) + static_cast<double>(stat->startTimeTicks) /
                                                             static_cast<double>(ticksPerSecond_)));
    }
    out.push_back(single("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                         MetricType::Gauge, static_cast<double>(stat->virtualBytes)));
  }
  return out;
}

}  // namespace podkeeper::metrics
