#include "metrics/exporter.h"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <unordered_set>

#include "metrics/resource_renderer.h"

namespace podkeeper::metrics {

Exporter::Exporter(const TargetSource& targets, const runtime::cgroup::CgroupManager& cgroups,
                   MachineInfo machine, ExporterOptions options)
    : targets_(targets),
      cgroups_(cgroups),
      machine_(std::move(machine)),
      nodeUsage_(options.nodeUsage),
      now_(std::move(options.now)),
      files_(options.keptFds),
      initialFdBudget_(options.keptFds) {
  if (!nodeUsage_) {
    ownNodeUsage_ = std::make_unique<ProcNodeUsageReader>();
    nodeUsage_ = ownNodeUsage_.get();
  }
}

size_t keptFdBudget(uint64_t softLimit) {
  const uint64_t reserve = std::max<uint64_t>(512, softLimit / 4);
  return softLimit > reserve ? static_cast<size_t>(softLimit - reserve) : 0;
}

void Exporter::reportFdBudget() {
  if (!reportedBudgetLowered_ && files_.maxFds() < initialFdBudget_) {
    reportedBudgetLowered_ = true;
    spdlog::warn(
        "metrics: the process ran out of fds (EMFILE); cgroup files kept open lowered from {} "
        "to {}, the rest are read with open/read/close",
        initialFdBudget_, files_.maxFds());
  }
  if (!reportedBudgetSpent_ && files_.uncachedReads() > 0) {
    reportedBudgetSpent_ = true;
    spdlog::info(
        "metrics: {} cgroup file fds kept open (the budget); further files are read with "
        "open/read/close, which is slower",
        files_.openFds());
  }
}

double Exporter::now() const {
  if (now_) return now_();
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

std::vector<prometheus::MetricFamily> Exporter::collect(
    const std::vector<const prometheus::Collectable*>& collectables) {
  std::vector<prometheus::MetricFamily> families;
  for (const auto* c : collectables) {
    auto f = c->Collect();
    families.insert(families.end(), std::make_move_iterator(f.begin()),
                    std::make_move_iterator(f.end()));
  }
  return families;
}

bool Exporter::collectSamples(std::vector<ContainerTarget> targets) {
  samples_.clear();
  std::unordered_set<std::string> seen;
  seen.reserve(targets.size());
  size_t failed = 0;
  std::string firstError;
  for (ContainerTarget& t : targets) {
    // One row per cgroup: a second target on the same cgroup would duplicate its series.
    if (!seen.insert(t.cgroupPath).second) continue;
    auto stats = cgroups_.statsThrough(t.cgroupPath, files_);
    if (!stats) {
      // A container that stopped between listing and reading is gone, not an error.
      if (stats.error().code == ENOENT) continue;
      if (failed++ == 0) firstError = stats.error().message;
      continue;
    }
    std::vector<InterfaceStats> network;
    if (isPodRow(t) && t.netPid > 0) network = netDev_.read(t.podUid, t.netPid);
    samples_.push_back({std::move(t), std::move(*stats), std::move(network)});
  }
  netDev_.sweep();
  // Closes the fds of cgroups no longer listed (stopped containers) or found removed.
  files_.sweep();
  keptFds_ = files_.openFds();
  reportFdBudget();
  if (failed > 0) {
    spdlog::warn("metrics: {} of {} cgroups could not be read, first: {}", failed, targets.size(),
                 firstError);
  }
  return failed > 0;
}

void Exporter::renderCadvisor(std::vector<ContainerTarget> targets, std::string& out) {
  std::lock_guard l(mu_);
  bool error = collectSamples(std::move(targets));
  cadvisor_.render(samples_, machine_, now(), error, out);
}

void Exporter::renderResource(std::vector<ContainerTarget> targets, std::string& out) {
  std::lock_guard l(mu_);
  bool error = collectSamples(std::move(targets));
  std::optional<NodeUsage> node;
  if (auto usage = nodeUsage_->read()) {
    node = *usage;
  } else {
    spdlog::warn("metrics: node usage: {}", usage.error().message);
  }
  const auto timestampMs = static_cast<int64_t>(std::llround(now() * 1000));
  metrics::renderResource(samples_, node, timestampMs, error, out);
}

void Exporter::renderAgent(const std::vector<prometheus::MetricFamily>& families,
                           std::vector<ContainerTarget> targets, std::string& out) {
  out += prometheus::TextSerializer().Serialize(families);
  renderCadvisor(std::move(targets), out);
}

}  // namespace podkeeper::metrics
