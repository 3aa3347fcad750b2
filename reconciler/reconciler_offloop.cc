// The Reconciler's runtime calls off the loop: one job per reconcile that needs any, its calls
// run in plan order on a worker, their results applied back on the loop in the same order.
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <optional>

#include "reconciler/reconciler.h"
#include "reconciler/runtime_work.h"

namespace podkeeper::reconciler {
namespace {

double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

struct Reconciler::OffLoopJob {
  struct Call {
    const char* stage;
    std::function<Result<void>()> call;
    std::function<Result<void>(Result<void>)> then;
    bool endsPass = false;  // the calls after it need it to have succeeded
    Result<void> result{};
    double seconds = 0;
    bool skipped = false;  // an earlier call that ended the pass failed: not run, not applied
  };
  std::vector<Call> calls;
  size_t signals = 0;  // the first calls: stop signals (offLoopSignal)
  // The key's sandboxes, read back on the worker after the calls: the state the next reconcile
  // plans from, instead of reading it again on the loop.
  std::vector<std::string> readBack;
  std::vector<Result<std::optional<runtime::SandboxState>>> read;
  std::chrono::steady_clock::time_point submitted{};
  double queuedSeconds = 0;  // from submission to a worker taking it
};

void Reconciler::setRuntimeWork(
    RuntimeWork* work,
    std::function<void(const std::string& key, Result<void>, bool readBack)> settled) {
  work_ = work;
  settled_ = std::move(settled);
  // The stop signal reads the container's state and checks its pid: on the pod's worker,
  // first in its job. The SIGKILL at a grace period's end waits for the cgroup to empty: off
  // the loop too, with the pod's other calls. A container already gone is no failure.
  const auto goneIsDone = [](Result<void> r) -> Result<void> {
    if (!r && r.error().code == ESRCH) return {};
    return r;
  };
  stopper_->setSignal(
      [this, goneIsDone](const std::string& uid, const std::string& container, int signal) {
        return offLoopSignal([&rt = runtime_, uid, container,
                              signal] { return rt.signalContainer(uid, container, signal); },
                             goneIsDone);
      });
  stopper_->setKill([this, goneIsDone](const std::string& uid, const std::string& container) {
    return offLoop(
        "", [&rt = runtime_, uid, container] { return rt.killContainer(uid, container); },
        goneIsDone, false);
  });
}

Result<void> Reconciler::offLoop(const char* stage, std::function<Result<void>()> call,
                                 std::function<Result<void>(Result<void>)> then, bool endsPass) {
  if (!work_) {
    const auto started = std::chrono::steady_clock::now();
    auto r = call();
    if (*stage && hooks_.startStage) hooks_.startStage(stage, secondsSince(started));
    return then(std::move(r));
  }
  if (!batch_) batch_ = std::make_shared<OffLoopJob>();
  batch_->calls.push_back({stage, std::move(call), std::move(then), endsPass});
  passEnded_ = passEnded_ || endsPass;
  return {};
}

Result<void> Reconciler::offLoopFirst(std::function<Result<void>()> call,
                                      std::function<Result<void>(Result<void>)> then) {
  if (!work_) return then(call());
  if (!batch_) batch_ = std::make_shared<OffLoopJob>();
  auto& job = *batch_;
  job.calls.insert(job.calls.begin() + std::ptrdiff_t(job.signals),
                   {"", std::move(call), std::move(then)});
  return {};
}

Result<void> Reconciler::offLoopSignal(std::function<Result<void>()> call,
                                       std::function<Result<void>(Result<void>)> then) {
  auto r = offLoopFirst(std::move(call), std::move(then));  // after the earlier signals
  if (batch_) ++batch_->signals;                            // and one of them from now on
  return r;
}

bool Reconciler::readOffLoop(const std::string& key) {
  if (!work_ || observedUidsFor(key).empty()) return false;
  if (!batch_) batch_ = std::make_shared<OffLoopJob>();
  passEnded_ = true;
  return true;
}

bool Reconciler::submitOffLoop(const std::string& key) {
  passEnded_ = false;
  if (!batch_) return false;
  auto job = std::exchange(batch_, nullptr);
  job->submitted = std::chrono::steady_clock::now();
  busyKeys_.insert(key);
  job->readBack = uidsOf(key);
  work_->run(
      [job, &rt = runtime_] {
        job->queuedSeconds = secondsSince(job->submitted);
        bool neededFailed = false;
        for (auto& c : job->calls) {
          if (neededFailed) {
            c.skipped = true;
            continue;
          }
          const auto started = std::chrono::steady_clock::now();
          try {
            c.result = c.call();
          } catch (const std::exception& e) {
            c.result = failMsg(std::string("internal error: ") + e.what());
          }
          c.seconds = secondsSince(started);
          neededFailed = c.endsPass && !c.result;
        }
        for (const auto& uid : job->readBack) {
          try {
            job->read.push_back(rt.inspect(uid));
          } catch (const std::exception& e) {
            job->read.push_back(failMsg(std::string("internal error: ") + e.what()));
          }
        }
      },
      [this, job, key] {
        busyKeys_.erase(key);
        touched(key);
        Result<void> settled;
        bool starts = false;
        for (auto& c : job->calls) {
          if (c.skipped) continue;
          Result<void> r;
          try {
            r = c.then(std::move(c.result));
          } catch (const std::exception& e) {
            r = failMsg("pod " + key + ": internal error: " + e.what());
          }
          if (!r && r.error().code != ESRCH && settled) settled = fail(r.error());
          if (*c.stage && hooks_.startStage) {
            hooks_.startStage(c.stage, c.seconds);
            starts = true;
          }
        }
        if (starts && hooks_.startStage) hooks_.startStage("queued", job->queuedSeconds);
        // The read-back came after every call and every `then` above applied what its call
        // returned: it replaces what they recorded.
        bool readBack = true;
        for (size_t i = 0; i < job->readBack.size(); ++i) {
          auto applied = applyInspected(job->readBack[i], std::move(job->read[i]));
          // A job that was only a read (readOffLoop) fails with it: retried with back-off.
          if (!applied && job->calls.empty() && settled)
            settled = fail(applied.error().context("pod " + key));
          readBack = applied && readBack;
        }
        // A read alone that went well leaves the pod's last error to its next pass.
        if (!settled)
          status_.setLastError(key, settled.error().message);
        else if (!job->calls.empty())
          status_.clearLastError(key);
        if (settled_) settled_(key, std::move(settled), readBack);
      });
  return true;
}

}  // namespace podkeeper::reconciler
