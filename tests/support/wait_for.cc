#include "tests/support/wait_for.h"

#include <thread>

namespace podkeeper::support {

bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(interval);
  }
  return cond();
}

}  // namespace podkeeper::support
