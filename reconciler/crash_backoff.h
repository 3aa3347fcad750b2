#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/clock.h"

namespace podkeeper::reconciler {

// The kubelet's crash-loop back-off (flowcontrol.Backoff as kuberuntime uses it): the first
// restart of a container is not delayed, the next wait 10 s after its exit, doubling to
// 300 s; an entry untouched for 2 x 300 s (the container ran 600 s) starts over. Keys name
// the container and its spec hash, so a spec change starts over too.
// podkeeper adds one rule: never restart sooner than 1 s after an exit (no spinning).
class CrashBackoff {
 public:
  struct Policy {
    int64_t initialNs = 10 * kNsPerSec;
    int64_t maxNs = 300 * kNsPerSec;
    int64_t floorNs = 1 * kNsPerSec;
  };
  CrashBackoff() = default;
  explicit CrashBackoff(Policy p) : policy_(p) {}

  // When a container that exited at finishedAtNs may restart (<= now means: now).
  int64_t restartAllowedAtNs(const std::string& key, int64_t finishedAtNs) const;
  // Records a restart of a container that exited at finishedAtNs (kubelet's Next()).
  void recordRestart(const std::string& key, int64_t finishedAtNs);
  // The current delay for key, 0 when none (for the CrashLoopBackOff message).
  int64_t currentDelayNs(const std::string& key) const;
  void forget(const std::string& key) { entries_.erase(key); }

 private:
  struct Entry {
    int64_t delayNs = 0;
    int64_t lastUpdateNs = 0;
  };
  bool expired(const Entry& e, int64_t eventNs) const {
    return eventNs - e.lastUpdateNs > 2 * policy_.maxNs;
  }

  Policy policy_;
  std::map<std::string, Entry> entries_;
};

}  // namespace podkeeper::reconciler
