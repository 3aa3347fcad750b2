#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/clock.h"
#include "reconciler/reconciler.h"

namespace podkeeper::reconciler {

// Sends the reconciler's probes when they are due, on the agent's loop: one timer armed for
// the earliest due probe, re-armed whenever the schedule changes.
class ProbeTimer {
 public:
  ProbeTimer(boost::asio::io_context& io, Reconciler& reconciler, const Clock& clock);
  // The schedule changed (ReconcileHooks::probeScheduleChanged): re-arm.
  void rearm();
  void stop();

 private:
  void fire();

  Reconciler& reconciler_;
  const Clock& clock_;
  boost::asio::steady_timer timer_;
  std::optional<int64_t> armedForNs_;
  bool stopped_ = false;
};

}  // namespace podkeeper::reconciler
