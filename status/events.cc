#include "status/events.h"

namespace podkeeper::status {

void EventLog::record(const std::string& podKey, PodEvent event) {
  if (event.lastTimeNs == 0) event.lastTimeNs = event.timeNs;
  auto& ring = events_[podKey];
  if (!ring.empty()) {
    auto& last = ring.back();
    if (last.type == event.type && last.reason == event.reason && last.message == event.message &&
        last.container == event.container) {
      last.count++;
      last.lastTimeNs = event.timeNs;
      return;
    }
  }
  ring.push_back(std::move(event));
  while (ring.size() > perPod_) ring.pop_front();
}

std::vector<PodEvent> EventLog::forPod(const std::string& podKey) const {
  auto it = events_.find(podKey);
  if (it == events_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace podkeeper::status
