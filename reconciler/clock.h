#pragma once

#include <time.h>

#include <cstdint>

namespace podkeeper::reconciler {

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSec = 1'000'000'000;

// Wall-clock time in nanoseconds. Passed in so unit tests never read real time: exit records
// carry wall-clock times, and back-off is measured from them.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t nowNs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t nowNs() const override {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t{ts.tv_sec} * kNsPerSec + ts.tv_nsec;
  }
};

}  // namespace podkeeper::reconciler
