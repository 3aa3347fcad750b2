#pragma once

#include <time.h>

#include <cstdint>
#include <limits>

namespace podkeeper {

inline constexpr int64_t kNsPerMs = 1'000'000;
inline constexpr int64_t kNsPerSec = 1'000'000'000;

// a * b, or the int64 limit it passes: manifests carry seconds as any int64 the API server
// accepts (terminationGracePeriodSeconds, activeDeadlineSeconds), and a signed overflow
// would turn a grace period of 10^10 s into a kill deadline in the past.
inline int64_t saturatingMul(int64_t a, int64_t b) {
  int64_t out = 0;
  if (!__builtin_mul_overflow(a, b, &out)) return out;
  return (a < 0) != (b < 0) ? std::numeric_limits<int64_t>::min()
                            : std::numeric_limits<int64_t>::max();
}

// The time `seconds` after startNs, saturating: "practically never" rather than wrapping.
inline int64_t nsAfter(int64_t startNs, int64_t seconds) {
  const int64_t delta = saturatingMul(seconds, kNsPerSec);
  int64_t out = 0;
  if (!__builtin_add_overflow(startNs, delta, &out)) return out;
  return delta < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
}

// A timeout in milliseconds for a timer of the runtime, from seconds: at most what
// std::chrono can add to a steady_clock reading in nanoseconds (about 146 years).
inline int64_t timeoutMsFromSeconds(int64_t seconds) {
  constexpr int64_t kMaxTimeoutMs = std::numeric_limits<int64_t>::max() / kNsPerMs / 2;
  const int64_t ms = saturatingMul(seconds, 1000);
  return ms > kMaxTimeoutMs ? kMaxTimeoutMs : ms;
}

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

}  // namespace podkeeper
