// The loop thread's raised priority stays with it: other threads, a child forked from it and a
// pool it makes run at the process's own nice. Needs CAP_SYS_NICE (skipped without).
#include "common/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>

#include "common/background_work.h"

namespace podkeeper {
namespace {

int niceOfThisThread() { return ::getpriority(PRIO_PROCESS, 0); }

// What `f` sees on a thread of its own that raised itself first (nullopt: not permitted).
template <class F>
auto onRaisedThread(F f, int* raisedTo = nullptr) {
  std::optional<decltype(f())> out;
  bool permitted = true;
  std::thread([&] {
    auto nice = raiseThisThreadPriority(5);
    if (!nice) {
      permitted = false;
      return;
    }
    if (raisedTo) *raisedTo = *nice;
    out = f();
  }).join();
  return permitted ? out : std::nullopt;
}

TEST(ThreadPriority, OnlyTheRaisedThreadIsRaised) {
  const int base = niceOfThisThread();
  int raisedTo = 0;
  auto seen = onRaisedThread([] { return niceOfThisThread(); }, &raisedTo);
  if (!seen) GTEST_SKIP() << "no CAP_SYS_NICE";
  EXPECT_EQ(*seen, std::max(base - 5, -20));
  EXPECT_EQ(raisedTo, *seen);
  EXPECT_EQ(niceOfThisThread(), base);  // this thread, and so the process's other threads
}

TEST(ThreadPriority, AChildForkedFromTheRaisedThreadGoesBackToTheBase) {
  const int base = niceOfThisThread();
  auto seen = onRaisedThread([] {
    int fds[2];
    std::pair<int, int> both{-100, -100};  // in the child: inherited, then after the reset
    if (::pipe(fds) != 0) return both;
    const pid_t child = ::fork();
    if (child == 0) {
      const int inherited = niceOfThisThread();
      resetThisThreadPriority();
      const int reset = niceOfThisThread();
      const int seen[2] = {inherited, reset};
      (void)!::write(fds[1], seen, sizeof seen);
      ::_exit(0);
    }
    ::close(fds[1]);
    int got[2] = {-100, -100};
    if (::read(fds[0], got, sizeof got) == sizeof got) both = {got[0], got[1]};
    ::close(fds[0]);
    ::waitpid(child, nullptr, 0);
    return both;
  });
  if (!seen) GTEST_SKIP() << "no CAP_SYS_NICE";
  EXPECT_EQ(seen->first, std::max(base - 5, -20));
  EXPECT_EQ(seen->second, base);
}

TEST(ThreadPriority, APoolMadeOnTheRaisedThreadWorksAtTheBase) {
  const int base = niceOfThisThread();
  auto seen = onRaisedThread([] {
    boost::asio::io_context io;
    BackgroundWork work(io, 1);
    int workerNice = -100;
    work.run([] { return niceOfThisThread(); }, [&](int n) { workerNice = n; });
    io.run_for(std::chrono::seconds(5));
    return workerNice;
  });
  if (!seen) GTEST_SKIP() << "no CAP_SYS_NICE";
  EXPECT_EQ(*seen, base);
}

}  // namespace
}  // namespace podkeeper
