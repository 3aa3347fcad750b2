#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/cadvisor_renderer.h"
#include "metrics/machine.h"
#include "metrics/target_sample.h"
#include "metrics/targets.h"
#include "runtime/cgroup/cgroup_manager.h"
#include "runtime/cgroup/stat_file_cache.h"

namespace podkeeper::metrics {

struct ExporterOptions {
  // Node usage for /metrics/resource; null = read /proc.
  const NodeUsageReader* nodeUsage = nullptr;
  // Seconds since the epoch; empty = the system clock.
  std::function<double()> now;
  // How many cgroup file fds may stay open between scrapes (keptFdBudget); beyond it, files
  // are read with open/read/close.
  size_t keptFds = 1024;
};

// The kept-fd budget for a process whose RLIMIT_NOFILE soft limit is softLimit: what is left
// after a reserve for everything else the agent opens (pidfds, sockets, logs, inotify).
size_t keptFdBudget(uint64_t softLimit);

// Reads every target's cgroup at scrape time and renders the three exposition bodies. The
// targets are taken on the agent loop (targets(), from the loop's TargetSource); reading and
// rendering may run on a worker, one scrape at a time (a lock). Nothing is kept between scrapes but
// buffers and the open fds of the cgroup files (values are read again at every scrape): sharing one
// read between scrapes less than a second apart would hand a Prometheus scraping every second the
// same values twice (irate 0), and Prometheus offsets its jobs within the interval, so the
// cadvisor, resource and agent scrapes rarely coincide anyway.
class Exporter {
 public:
  Exporter(const TargetSource& targets, const runtime::cgroup::CgroupManager& cgroups,
           MachineInfo machine, ExporterOptions options = {});

  // The containers a scrape reads now. On the loop.
  std::vector<ContainerTarget> targets() const { return targets_.targets(); }
  // The collectables' families now (agent registry, process collector). On the loop.
  static std::vector<prometheus::MetricFamily> collect(
      const std::vector<const prometheus::Collectable*>& collectables);

  // Each appends exposition text (version 0.0.4) to out; thread-safe (one at a time).
  void renderCadvisor(std::vector<ContainerTarget> targets, std::string& out);  // /metrics/cadvisor
  void renderResource(std::vector<ContainerTarget> targets, std::string& out);  // /metrics/resource
  // /metrics: the agent's families and then the same container_* and machine_* families as
  // /metrics/cadvisor.
  void renderAgent(const std::vector<prometheus::MetricFamily>& families,
                   std::vector<ContainerTarget> targets, std::string& out);
  // The same, everything taken now (on the loop; tests, benchmarks).
  void renderCadvisor(std::string& out) { renderCadvisor(targets(), out); }
  void renderResource(std::string& out) { renderResource(targets(), out); }
  void renderAgent(const std::vector<const prometheus::Collectable*>& collectables,
                   std::string& out) {
    renderAgent(collect(collectables), targets(), out);
  }

  // Cgroup file fds kept open for the next scrape (as the last scrape left them).
  size_t keptFdsOpen() const { return keptFds_.load(); }

 private:
  // Fills samples_ for this scrape; returns true when some cgroup could not be read. Under mu_.
  bool collectSamples(std::vector<ContainerTarget> targets);
  double now() const;

  const TargetSource& targets_;
  const runtime::cgroup::CgroupManager& cgroups_;
  MachineInfo machine_;
  std::unique_ptr<NodeUsageReader> ownNodeUsage_;
  const NodeUsageReader* nodeUsage_;
  std::function<double()> now_;
  void reportFdBudget();

  std::mutex mu_;  // one scrape at a time: everything below
  std::atomic<size_t> keptFds_{0};
  std::vector<TargetSample> samples_;
  runtime::cgroup::StatFileCache files_;
  NetDevFiles netDev_;  // /proc/<pid>/net/dev of each pod, kept open between scrapes
  size_t initialFdBudget_;
  bool reportedBudgetSpent_ = false;
  bool reportedBudgetLowered_ = false;
  CadvisorRenderer cadvisor_;
};

}  // namespace podkeeper::metrics
