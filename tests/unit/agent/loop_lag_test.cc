// LoopLagMonitor on a real io_context: how often it samples, and that a handler holding the
// loop shows as lag.
#include "agent/loop_lag.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace podkeeper::agent {
namespace {

using namespace std::chrono_literals;

// While busy, a sample per busy interval: a one-second burst gets the hundreds of samples a
// p99 needs (at the old 10 ms, under a hundred: the p99 was the maximum); idle, one a second.
TEST(LoopLagMonitor, ABusyLoopIsSampledEveryMillisecondAndAnIdleOneOnceASecond) {
  boost::asio::io_context io;
  std::vector<double> seen;
  bool busy = true;
  LoopLagMonitor monitor(
      io, [&](double s) { seen.push_back(s); }, [&] { return busy; });
  EXPECT_EQ(LoopLagMonitor::Options{}.busyInterval, 1ms);
  monitor.start();
  monitor.wake();
  io.run_for(200ms);
  EXPECT_GE(seen.size(), 50u);  // about 200 (at 10 ms: 20)
  busy = false;
  io.run_for(20ms);  // the tick that finds it idle arms the idle interval
  const size_t before = seen.size();
  io.run_for(500ms);
  EXPECT_EQ(seen.size(), before);
  monitor.stop();
}

// A handler that holds the loop for 30 ms: the tick due meanwhile runs that much late.
TEST(LoopLagMonitor, AHandlerHoldingTheLoopIsSeenAsLag) {
  boost::asio::io_context io;
  std::vector<double> seen;
  LoopLagMonitor monitor(
      io, [&](double s) { seen.push_back(s); }, [] { return true; });
  monitor.start();
  monitor.wake();
  io.run_for(10ms);
  boost::asio::post(io, [] { std::this_thread::sleep_for(30ms); });
  io.run_for(60ms);
  monitor.stop();
  ASSERT_FALSE(seen.empty());
  EXPECT_GE(*std::max_element(seen.begin(), seen.end()), 0.025);
}

}  // namespace
}  // namespace podkeeper::agent
