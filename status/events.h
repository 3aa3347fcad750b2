#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

// Pod events in the Kubernetes vocabulary (Scheduled is not ours; Created, Started, Killing,
// BackOff, Unhealthy, Failed, FailedValidation...), kept in a bounded ring per pod.
namespace podkeeper::status {

struct PodEvent {
  int64_t timeNs = 0;      // wall clock; first time seen
  int64_t lastTimeNs = 0;  // last time seen (repeats are folded, as the kubelet's recorder does)
  int count = 1;
  std::string type;    // "Normal" | "Warning"
  std::string reason;  // "Started"
  std::string message;
  std::string container;  // "" for pod-level events
};

class EventLog {
 public:
  explicit EventLog(size_t perPod = 64) : perPod_(perPod) {}

  // Records for pod key "namespace/name"; the same type+reason+message+container as the
  // newest event bumps its count instead of adding a row.
  void record(const std::string& podKey, PodEvent event);
  std::vector<PodEvent> forPod(const std::string& podKey) const;
  void forget(const std::string& podKey) { events_.erase(podKey); }

 private:
  size_t perPod_;
  std::map<std::string, std::deque<PodEvent>> events_;
};

}  // namespace podkeeper::status
