#include "common/background_work.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace podkeeper {
namespace {

TEST(BackgroundWork, WorkRunsOffTheLoopThreadAndDoneRunsOnIt) {
  boost::asio::io_context io;
  BackgroundWork work(io, 2);
  const auto loopThread = std::this_thread::get_id();
  std::thread::id workThread, doneThread;
  std::string got;
  work.run(
      [&] {
        workThread = std::this_thread::get_id();
        return std::string("measured");
      },
      [&](std::string r) {
        doneThread = std::this_thread::get_id();
        got = std::move(r);
      });
  io.run_for(std::chrono::seconds(5));  // returns when done has run: nothing else is queued
  EXPECT_EQ(got, "measured");
  EXPECT_NE(workThread, loopThread);
  EXPECT_EQ(doneThread, loopThread);
}

TEST(BackgroundWork, VoidWorkStillReportsDone) {
  boost::asio::io_context io;
  BackgroundWork work(io, 1);
  bool done = false;
  work.run([] {}, [&] { done = true; });
  io.run_for(std::chrono::seconds(5));
  EXPECT_TRUE(done);
}

TEST(BackgroundWork, RunsAtMostItsThreadCountAtOnce) {
  boost::asio::io_context io;
  BackgroundWork work(io, 2);
  std::atomic<int> running = 0, peak = 0;
  int finished = 0;
  for (int i = 0; i < 8; ++i)
    work.run(
        [&] {
          int now = ++running;
          for (int p = peak; now > p && !peak.compare_exchange_weak(p, now);) {
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
          --running;
        },
        [&] { ++finished; });
  while (finished < 8 && io.run_one_for(std::chrono::seconds(5)) > 0) {
  }
  EXPECT_EQ(finished, 8);
  EXPECT_EQ(peak.load(), 2);
}

TEST(BackgroundWork, DoneIsDroppedWhenTheOwnerIsGone) {
  boost::asio::io_context io;
  bool called = false;
  {
    BackgroundWork work(io, 1);
    work.run([] { return 1; }, [&](int) { called = true; });
  }  // the destructor waits for the work; its done is queued on io but must not run
  io.run_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace podkeeper
