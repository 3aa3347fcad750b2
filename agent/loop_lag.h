#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace podkeeper::agent {

// A timer on the loop measuring its own delay: each tick it asks to run `interval` from now
// and observes how much later it actually ran (the time some handler held the loop). While
// `busy()` says the loop has work (a burst of starts or deletes) it ticks every `busyInterval`
// so a burst gets enough samples for its p99 (a second of burst: a thousand; at 10 ms it was
// under a hundred, and the p99 was the maximum); otherwise every `idleInterval`, so an idle
// agent is not woken for it more than once a second.
class LoopLagMonitor {
 public:
  struct Options {
    std::chrono::milliseconds busyInterval{1};
    std::chrono::milliseconds idleInterval{1000};
  };
  LoopLagMonitor(boost::asio::io_context& io, std::function<void(double seconds)> observe,
                 std::function<bool()> busy, Options options);
  LoopLagMonitor(boost::asio::io_context& io, std::function<void(double seconds)> observe,
                 std::function<bool()> busy)
      : LoopLagMonitor(io, std::move(observe), std::move(busy), Options{}) {}

  void start();
  void stop();
  // Work arrived: tick at the busy interval from now on (the idle wait is cut short).
  void wake();

 private:
  void arm(std::chrono::milliseconds interval);

  boost::asio::steady_timer timer_;
  std::function<void(double)> observe_;
  std::function<bool()> busy_;
  Options options_;
  bool stopped_ = true;
  bool fast_ = false;
};

}  // namespace podkeeper::agent
