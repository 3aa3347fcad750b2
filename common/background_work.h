#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

#include "common/thread_priority.h"

// Work that waits on the kernel, a child process, a disk or the network runs here, never on
// the agent's loop thread: run(work, done) calls work() on one of a bounded number of worker
// threads and then posts done(result) back to the loop's io_context. The loop's own state is
// touched only in done, on the loop thread. Destroying the BackgroundWork waits for the work
// in progress; a done that arrives after that is dropped, never called on a dead owner.
namespace podkeeper {

class BackgroundWork {
 public:
  BackgroundWork(boost::asio::io_context& loop, size_t threads) : loop_(loop), pool_(threads) {}
  ~BackgroundWork() {
    *alive_ = false;
    pool_.join();
  }
  BackgroundWork(const BackgroundWork&) = delete;
  BackgroundWork& operator=(const BackgroundWork&) = delete;

  // work: () -> T, run on a worker; done: (T) -> void, run on the loop thread.
  template <class Work, class Done>
  void run(Work work, Done done) {
    // The guard keeps the loop's run() from returning while work is in flight.
    boost::asio::post(pool_, [this, alive = alive_, work = std::move(work), done = std::move(done),
                              guard = boost::asio::make_work_guard(loop_)]() mutable {
      if (!*alive) return;
      atBasePriority();
      using T = std::invoke_result_t<Work&>;
      if constexpr (std::is_void_v<T>) {
        work();
        boost::asio::post(loop_, [alive, done = std::move(done)]() mutable {
          if (*alive) done();
        });
      } else {
        T result = work();
        boost::asio::post(loop_,
                          [alive, done = std::move(done), result = std::move(result)]() mutable {
                            if (*alive) done(std::move(result));
                          });
      }
    });
  }

 private:
  // A pool made on the loop thread (lazily, by a handler) would run at the loop's priority:
  // each worker goes back to the process's own once.
  static void atBasePriority() {
    thread_local const bool done = (resetThisThreadPriority(), true);
    (void)done;
  }

  boost::asio::io_context& loop_;
  // Shared with every job in flight: false once the owner is gone (workers read it too).
  std::shared_ptr<std::atomic<bool>> alive_ = std::make_shared<std::atomic<bool>>(true);
  boost::asio::thread_pool pool_;
};

}  // namespace podkeeper
