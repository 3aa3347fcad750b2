#include "agent/loop_lag.h"

#include <algorithm>

namespace podkeeper::agent {

LoopLagMonitor::LoopLagMonitor(boost::asio::io_context& io,
                               std::function<void(double seconds)> observe,
                               std::function<bool()> busy, Options options)
    : timer_(io), observe_(std::move(observe)), busy_(std::move(busy)), options_(options) {}

void LoopLagMonitor::start() {
  stopped_ = false;
  arm(options_.idleInterval);
}

void LoopLagMonitor::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LoopLagMonitor::wake() {
  if (stopped_ || fast_) return;
  arm(options_.busyInterval);  // cancels the idle wait (its handler sees operation_aborted)
}

void LoopLagMonitor::arm(std::chrono::milliseconds interval) {
  fast_ = interval == options_.busyInterval;
  timer_.expires_after(interval);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    const auto late = std::chrono::steady_clock::now() - timer_.expiry();
    observe_(std::max(0.0, std::chrono::duration<double>(late).count()));
    arm(busy_() ? options_.busyInterval : options_.idleInterval);
  });
}

}  // namespace podkeeper::agent
