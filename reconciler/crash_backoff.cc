#include "reconciler/crash_backoff.h"

#include <algorithm>

namespace podkeeper::reconciler {

int64_t CrashBackoff::restartAllowedAtNs(const std::string& key, int64_t finishedAtNs) const {
  int64_t floor = finishedAtNs + policy_.floorNs;
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, finishedAtNs)) return floor;
  return std::max(floor, finishedAtNs + it->second.delayNs);
}

void CrashBackoff::recordRestart(const std::string& key, int64_t finishedAtNs) {
  auto it = entries_.find(key);
  if (it == entries_.end() || expired(it->second, finishedAtNs)) {
    entries_[key] = Entry{policy_.initialNs, finishedAtNs};
    return;
  }
  it->second.delayNs = std::min(it->second.delayNs * 2, policy_.maxNs);
  it->second.lastUpdateNs = finishedAtNs;
}

int64_t CrashBackoff::currentDelayNs(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.delayNs;
}

}  // namespace podkeeper::reconciler
