#include "reconciler/probe_timer.h"

#include <spdlog/spdlog.h>

namespace podkeeper::reconciler {

ProbeTimer::ProbeTimer(boost::asio::io_context& io, Reconciler& reconciler, const Clock& clock)
    : reconciler_(reconciler), clock_(clock), timer_(io) {}

void ProbeTimer::rearm() {
  if (stopped_) return;
  auto due = reconciler_.probeDueNs();
  if (due == armedForNs_) return;
  armedForNs_ = due;
  if (!due) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::nanoseconds(std::max<int64_t>(0, *due - clock_.nowNs())));
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) fire();
  });
}

void ProbeTimer::fire() {
  armedForNs_.reset();
  try {
    reconciler_.runDueProbes();
  } catch (const std::exception& e) {  // the probes of the next round still run
    spdlog::error("running probes: internal error: {}", e.what());
  }
  rearm();
}

void ProbeTimer::stop() {
  stopped_ = true;
  timer_.cancel();
}

}  // namespace podkeeper::reconciler
