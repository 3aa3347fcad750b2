#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/background_work.h"
#include "reconciler/container_gc.h"
#include "status/pod_reader.h"

// The dead-container GC (reconciler/container_gc.h) and the log directories no pod owns, run
// off the loop, one pass at a time (at the first resync, at a resync after a container
// restarted, and once a minute: resync()).
namespace podkeeper::agent {

// What a pass needs of the pods, copied on the loop.
struct LogGcSnapshot {
  std::string logDir;
  int64_t takenAtNs = 0;       // CLOCK_REALTIME: a log directory made since is left alone
  std::set<std::string> uids;  // every pod desired or on the node: their directories stay
  struct Pod {
    std::string uid;
    std::string dir;                      // <logDir>/<namespace>_<name>_<uid>
    std::map<std::string, int> restarts;  // container -> its current instance's restartCount
  };
  std::vector<Pod> pods;
};
LogGcSnapshot logGcSnapshot(const status::PodReader& pods, const std::string& logDir,
                            int64_t nowNs);

struct LogGcResult {
  int deadInstances = 0;  // earlier instances whose logs were removed
  int orphanDirs = 0;     // pod log directories of no known pod removed
};
// One pass: every known container's logs of earlier instances (N.log and its rotations, N
// below its current restartCount) as the policy says, then the pod log directories (named
// NS_NAME_UID) of no known uid, older than the snapshot.
LogGcResult collectLogGarbage(const LogGcSnapshot& snapshot,
                              const reconciler::ContainerGcPolicy& policy);

class ContainerGcRunner {
 public:
  ContainerGcRunner(boost::asio::io_context& io, reconciler::ContainerGcPolicy policy)
      : policy_(policy), worker_(io, 1) {}
  // A pass with this snapshot, unless one runs (then one more follows it).
  void run(LogGcSnapshot snapshot);
  // At a resync: a pass (with what `snapshot` takes, on the loop) when none ran yet, when a
  // container restarted since the last one (its earlier instance is dead now), or once a
  // minute, as the kubelet's container GC; at every 10 s resync it was a tenth of an idle
  // agent's CPU.
  void resync(const std::function<LogGcSnapshot()>& snapshot);
  void containerRestarted() { restarted_ = true; }

 private:
  reconciler::ContainerGcPolicy policy_;
  std::optional<std::chrono::steady_clock::time_point> lastPass_;  // by resync()
  bool restarted_ = false;
  bool running_ = false;
  std::optional<LogGcSnapshot> next_;
  BackgroundWork worker_;  // last: destroyed first, waits for a pass in progress
};

}  // namespace podkeeper::agent
