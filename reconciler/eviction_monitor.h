#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/background_work.h"
#include "common/clock.h"
#include "reconciler/node_pressure.h"
#include "reconciler/node_stats.h"
#include "reconciler/reconciler.h"

// The eviction manager's loop (the kubelet's synchronize, every monitoring interval): on a
// worker, the node's signals and the running pods' usage are read (NodeStatsSource); on the
// loop, planEviction decides, the node conditions go to the reconciler (admission) and the
// hooks (metrics), and at most one pod is evicted through Reconciler::evict. After an
// eviction the next passes wait, as the kubelet waits for the pod's cleanup, until the pod
// has no running container (or 30 s passed), so one pressure never evicts a second pod that
// the first one's exit would have spared.
namespace podkeeper::reconciler {

struct EvictionHooks {
  std::function<void(const std::string& key)> requeue = {};
  std::function<void(Signal signal)> evicted = {};  // kubelet_evictions{eviction_signal}
  std::function<void(const std::set<NodeCondition>&)> conditions = {};
  // Frees node-level disk (unused images) before pods are evicted for disk pressure, as the
  // kubelet's reclaimNodeLevelResources; done() on the loop when it ended. Once per disk
  // pressure: the next pass measures again and evicts only if the threshold is still met.
  std::function<void(std::function<void()> done)> reclaimDisk = {};
};

// What the node status endpoint shows.
struct NodePressureStatus {
  int64_t observedAtNs = 0;  // 0: not measured yet
  Observations observed;
  std::set<NodeCondition> conditions;
  std::map<NodeCondition, int64_t> lastTransitionNs;
  std::vector<Threshold> thresholds;
};

class EvictionMonitor {
 public:
  EvictionMonitor(boost::asio::io_context& io, Reconciler& reconciler, NodeStatsSource& stats,
                  EvictionConfig config, const Clock& clock, EvictionHooks hooks);
  EvictionMonitor(const EvictionMonitor&) = delete;
  EvictionMonitor& operator=(const EvictionMonitor&) = delete;

  void start();  // a pass now, then every monitoring interval
  void stop();
  // One pass (measured off the loop); one at a time: a call while a pass runs does nothing.
  void runPass();
  const NodePressureStatus& status() const { return status_; }

 private:
  void arm();
  struct Measured {
    Observations observed;
    std::vector<PodUsageRequest> pods;
  };
  void decide(Measured measured);
  bool waitingForCleanup(int64_t nowNs);

  Reconciler& reconciler_;
  NodeStatsSource& stats_;
  EvictionConfig config_;
  const Clock& clock_;
  EvictionHooks hooks_;
  EvictionState state_;
  NodePressureStatus status_;
  std::optional<std::pair<std::string, int64_t>> evicted_;  // uid, cleanup wait ends at
  bool running_ = false;
  bool stopped_ = false;
  bool reportedNoCandidate_ = false;
  bool diskReclaimed_ = false;  // reclaimDisk ran during this disk pressure
  boost::asio::steady_timer timer_;
  BackgroundWork worker_;  // last: destroyed first, waits for a pass in progress
};

// The kubelet's podCleanupTimeout.
inline constexpr int64_t kEvictionCleanupWaitNs = 30 * kNsPerSec;

}  // namespace podkeeper::reconciler
