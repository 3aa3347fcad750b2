#include "status/kube_time.h"

#include <time.h>

#include <ctime>

namespace podkeeper::status {

std::string kubeTime(int64_t realtimeNs) {
  // Floor division, so times before 1970 still round down to their second.
  int64_t seconds = realtimeNs / 1'000'000'000;
  if (realtimeNs < 0 && realtimeNs % 1'000'000'000 != 0) --seconds;
  time_t t = static_cast<time_t>(seconds);
  tm utc{};
  gmtime_r(&t, &utc);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buf, n);
}

}  // namespace podkeeper::status
