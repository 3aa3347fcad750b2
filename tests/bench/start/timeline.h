#pragma once

#include <map>
#include <string>
#include <vector>

#include "harness.h"

// The agent's per-start debug lines (runtime/sys/start_timeline.h), collected per stage:
//   pod default/<pod>: container <c> start timeline ms: total=12.3 config=0.1 ... shim.x=0.2
//   pod default/<pod>: sandbox timeline ms: ensure=1.2
namespace pkbench {

class StageTimes {
 public:
  explicit StageTimes(std::string agentLog) : log_(std::move(agentLog)) {}

  // Waits (up to 5 s) until the agent logged the timeline of every container of the pod,
  // then adds each stage's milliseconds (summed over the pod's containers). false when the
  // lines never came (the agent logs them at debug level).
  bool collect(const std::string& pod, size_t containers);

  // One row per stage in the order first seen: median, p90 of the runs collected.
  void print(const std::string& title) const;
  // Forgets the runs collected (the log is read on from where it was).
  void clear() {
    order_.clear();
    stages_.clear();
  }

 private:
  void readNew();
  GrowingFile log_;
  std::vector<std::string> lines_;  // timeline lines not yet claimed
  std::vector<std::string> order_;
  std::map<std::string, std::vector<double>> stages_;
};

// "a=1.5 b=2" -> {{"a",1.5},{"b",2}}; words without '=' are skipped.
std::vector<std::pair<std::string, double>> parseStages(const std::string& text);

}  // namespace pkbench
