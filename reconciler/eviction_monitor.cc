#include "reconciler/eviction_monitor.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "status/pod_phase.h"

namespace podkeeper::reconciler {
namespace {

bool diskSignal(Signal s) { return s != Signal::MemoryAvailable && s != Signal::PidAvailable; }

// Whether any threshold of a signal `which` accepts is met (minimum reclaim included). A pass
// ranks pods only then, so only then are they measured: their cgroups read when any is met,
// their directories walked when a disk one is.
bool anyMet(const EvictionConfig& config, const Observations& observed, bool (*which)(Signal)) {
  return std::any_of(config.thresholds.begin(), config.thresholds.end(), [&](const Threshold& t) {
    auto o = observed.find(t.signal);
    if (!which(t.signal) || o == observed.end()) return false;
    int64_t q = t.value.resolve(o->second.capacity);
    if (t.minReclaim) q += t.minReclaim->resolve(o->second.capacity);
    return q > o->second.available;
  });
}

bool anySignal(Signal) { return true; }

}  // namespace

EvictionMonitor::EvictionMonitor(boost::asio::io_context& io, Reconciler& reconciler,
                                 NodeStatsSource& stats, EvictionConfig config, const Clock& clock,
                                 EvictionHooks hooks)
    : reconciler_(reconciler),
      stats_(stats),
      config_(std::move(config)),
      clock_(clock),
      hooks_(std::move(hooks)),
      timer_(io),
      worker_(io, 1) {
  status_.thresholds = config_.thresholds;
}

void EvictionMonitor::start() {
  // Without thresholds nothing is ever evicted, but the node's signals are still shown.
  if (config_.thresholds.empty())
    spdlog::info("eviction: no thresholds: node-pressure eviction is off");
  else
    spdlog::info("eviction: every {} ms, {} thresholds", config_.monitoringIntervalNs / kNsPerMs,
                 config_.thresholds.size());
  runPass();
  arm();
}

void EvictionMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void EvictionMonitor::arm() {
  if (stopped_) return;
  timer_.expires_after(std::chrono::nanoseconds(config_.monitoringIntervalNs));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    runPass();
    arm();
  });
}

void EvictionMonitor::runPass() {
  if (running_ || stopped_) return;
  running_ = true;
  // The node's figures first; the pods are listed (on the loop) and measured (on the worker)
  // only when a threshold is met or a reclaim is under way. A node under no pressure costs a
  // pass its node-wide figures alone (100 pods' cgroups every 10 s were half of an idle agent's
  // CPU; listing the candidates at every pass, 6% of what was left).
  worker_.run([&stats = stats_] { return stats.observe(); },
              [this](Observations observed) {
                if (stopped_) {
                  running_ = false;
                  return;
                }
                if (state_.met.empty() && !anyMet(config_, observed, anySignal)) {
                  running_ = false;
                  decide(Measured{std::move(observed), {}});
                  return;
                }
                const bool disk = anyMet(config_, observed, diskSignal);
                worker_.run(
                    [&stats = stats_, pods = reconciler_.evictionCandidates(), disk,
                     observed = std::move(observed)]() mutable {
                      for (auto& p : pods) stats.measurePod(p, disk);
                      return Measured{std::move(observed), std::move(pods)};
                    },
                    [this](Measured m) {
                      running_ = false;
                      if (!stopped_) decide(std::move(m));
                    });
              });
}

bool EvictionMonitor::waitingForCleanup(int64_t nowNs) {
  if (!evicted_) return false;
  const auto* obs = reconciler_.observed(evicted_->first);
  const bool running = obs && std::any_of(obs->containers.begin(), obs->containers.end(),
                                          [](const auto& c) { return c.running; });
  if (running && nowNs < evicted_->second) return true;
  if (running) spdlog::info("eviction: timed out waiting for the evicted pod's cleanup");
  evicted_.reset();
  return false;
}

void EvictionMonitor::decide(Measured m) {
  const int64_t now = clock_.nowNs();
  // The pods measured may have changed meanwhile: only those still candidates count.
  std::vector<EvictionCandidate> pods;
  const auto current =
      m.pods.empty() ? std::vector<PodUsageRequest>{} : reconciler_.evictionCandidates();
  for (auto& p : m.pods)
    if (std::any_of(current.begin(), current.end(),
                    [&](const auto& c) { return c.candidate.uid == p.candidate.uid; }))
      pods.push_back(std::move(p.candidate));
  if (waitingForCleanup(now)) return;
  auto d = planEviction(state_, config_, m.observed, pods, now);
  state_ = d.next;
  for (auto c :
       {NodeCondition::MemoryPressure, NodeCondition::DiskPressure, NodeCondition::PIDPressure})
    if (d.conditions.contains(c) != status_.conditions.contains(c) || !status_.observedAtNs)
      status_.lastTransitionNs[c] = now;
  status_.observedAtNs = now;
  status_.observed = m.observed;
  status_.conditions = d.conditions;
  for (const auto& key : reconciler_.setNodeConditions(d.conditions))
    if (hooks_.requeue) hooks_.requeue(key);
  if (hooks_.conditions) hooks_.conditions(d.conditions);
  if (!d.reclaim) {
    reportedNoCandidate_ = false;
    diskReclaimed_ = false;
    return;
  }
  const Signal signal = d.reclaim->signal;
  const auto& o = m.observed.at(signal);
  if (diskSignal(signal) && hooks_.reclaimDisk && !diskReclaimed_) {
    diskReclaimed_ = true;
    spdlog::warn("eviction: {} is {} (threshold {}): removing unused images first",
                 toString(signal), formatQuantity(signal, o.available),
                 formatQuantity(signal, d.reclaim->value.resolve(o.capacity)));
    running_ = true;  // the next pass measures what the reclaim left
    hooks_.reclaimDisk([this] { running_ = false; });
    return;
  }
  if (!d.evictKey) {
    if (!std::exchange(reportedNoCandidate_, true))
      spdlog::warn("eviction: {} is {} (threshold {}), but no pod can be evicted", toString(signal),
                   formatQuantity(signal, o.available),
                   formatQuantity(signal, d.reclaim->value.resolve(o.capacity)));
    return;
  }
  if (!reconciler_.evict(d.evictUid, d.message, d.gracePeriodSeconds)) return;
  spdlog::warn("eviction: {} is {} (threshold {}, {}): evicting pod {} (grace {}s); ranked: {}",
               toString(signal), formatQuantity(signal, o.available),
               formatQuantity(signal, d.reclaim->value.resolve(o.capacity)),
               d.reclaim->hard() ? "hard" : "soft", *d.evictKey, d.gracePeriodSeconds,
               fmt::join(d.ranked, " "));
  evicted_.emplace(d.evictUid, now + kEvictionCleanupWaitNs);
  if (hooks_.evicted) hooks_.evicted(signal);
  if (hooks_.requeue) hooks_.requeue(*d.evictKey);
}

}  // namespace podkeeper::reconciler
