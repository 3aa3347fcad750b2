#include "common/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <string>

namespace podkeeper {
namespace {

// The process's nice before any thread was raised; INT_MIN until then.
std::atomic<int> baseNice{INT_MIN};

}  // namespace

Result<int> raiseThisThreadPriority(int levels) {
  int base = baseNice.load();
  if (base == INT_MIN) {
    errno = 0;
    const int now = ::getpriority(PRIO_PROCESS, 0);  // Linux: the calling thread
    if (now == -1 && errno != 0) return failSys(errno, "getpriority");
    int expected = INT_MIN;
    base = baseNice.compare_exchange_strong(expected, now) ? now : expected;
  }
  const int wanted = std::max(base - levels, -20);
  if (::setpriority(PRIO_PROCESS, 0, wanted) != 0)
    return failSys(errno, "setpriority of the loop thread to nice " + std::to_string(wanted));
  return wanted;
}

void resetThisThreadPriority() noexcept {
  const int base = baseNice.load();
  if (base != INT_MIN) (void)::setpriority(PRIO_PROCESS, 0, base);
}

}  // namespace podkeeper
