#pragma once

#include <functional>
#include <utility>

#include "common/background_work.h"

// Where the reconciler's runtime calls that wait on the kernel or a child run (making a
// sandbox: fork, unshare, waitpid; a container's start: the shim's handshake; kills and
// removals: freezing, kill loops, unmounts, rmdir). run(work, done): work() off the loop,
// then done() on the loop thread. Without one (unit tests) the reconciler calls the runtime
// at once, on the caller's thread.
namespace podkeeper::reconciler {

class RuntimeWork {
 public:
  virtual ~RuntimeWork() = default;
  virtual void run(std::function<void()> work, std::function<void()> done) = 0;
};

// The agent's: the calls on a BackgroundWork pool, whose size bounds the runtime calls in
// flight (--max-parallel-starts).
class BackgroundRuntimeWork final : public RuntimeWork {
 public:
  explicit BackgroundRuntimeWork(BackgroundWork& pool) : pool_(pool) {}
  void run(std::function<void()> work, std::function<void()> done) override {
    pool_.run(std::move(work), std::move(done));
  }

 private:
  BackgroundWork& pool_;
};

}  // namespace podkeeper::reconciler
