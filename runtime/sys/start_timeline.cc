#include "runtime/sys/start_timeline.h"

#include <time.h>

#include <cstdio>

namespace podkeeper::runtime {

int64_t monotonicNowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

StartTimeline::StartTimeline() : start_(monotonicNowNs()), last_(start_) {}

void StartTimeline::mark(const char* stage) {
  const int64_t now = monotonicNowNs();
  if (count_ < kMaxStages) {
    stages_[count_++] = {stage, now - last_};
  } else {
    stages_[kMaxStages - 1].ns += now - last_;
  }
  last_ = now;
}

int64_t StartTimeline::elapsedNs() const { return monotonicNowNs() - start_; }

std::string StartTimeline::format(std::string_view prefix) const {
  std::string out;
  for (size_t i = 0; i < count_; ++i) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "=%.3f", double(stages_[i].ns) / 1e6);
    if (!out.empty()) out += ' ';
    out.append(prefix);
    out += stages_[i].name;
    out += ms;
  }
  return out;
}

}  // namespace podkeeper::runtime
