#pragma once

#include <csignal>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "common/clock.h"
#include "common/error.h"
#include "probe/handler_runner.h"
#include "runtime/container_runtime.h"

// Graceful stop of one container, as the kubelet's killContainer: the grace period starts,
// the preStop hook runs inside it, SIGTERM goes to the container's init when the hook is done
// (or the grace period is over), SIGKILL to its whole cgroup when the grace period ends, but
// no sooner than 2 s after a SIGTERM that a preStop hook delayed. State, not a thread: the
// reconciler calls drive() on every reconcile while the container must stop, and a hook that
// completes re-queues the pod.
namespace podkeeper::reconciler {

struct StopRequest {
  std::string key;  // the pod's namespace/name, for events and the requeue
  std::string uid;
  std::string container;
  int64_t containerStartedAtNs = 0;  // which instance
  std::optional<probe::HandlerSpec> preStop;
  int64_t graceSeconds = 30;
  int stopSignal = SIGTERM;  // the image's StopSignal
};

class ContainerStopper {
 public:
  using EventFn =
      std::function<void(const std::string& key, const std::string& type, const std::string& reason,
                         const std::string& message, const std::string& container)>;
  // The extra time the kubelet gives after a SIGTERM that a preStop hook delayed.
  static constexpr int64_t kMinGraceAfterPreStopNs = 2 * kNsPerSec;

  // runner: for preStop hooks; without one (nullptr) requests carry none.
  ContainerStopper(runtime::ContainerRuntime& runtime, probe::HandlerRunner* runner,
                   const Clock& clock, std::function<void(const std::string& key)> requeue,
                   EventFn event);
  ~ContainerStopper();
  ContainerStopper(const ContainerStopper&) = delete;
  ContainerStopper& operator=(const ContainerStopper&) = delete;

  // Does what is due now for this stop (begins it the first time); returns when to look again.
  Result<int64_t> drive(const StopRequest& request);
  bool stopping(const std::string& uid, const std::string& container) const;
  // How the SIGKILL at the grace period's end is sent (the reconciler's: off the loop);
  // unset: ContainerRuntime::killContainer at once.
  void setKill(
      std::function<Result<void>(const std::string& uid, const std::string& container)> kill) {
    kill_ = std::move(kill);
  }
  // How the stop signal is sent (the reconciler's: off the loop, ahead of the stop's record);
  // unset: ContainerRuntime::signalContainer at once.
  void setSignal(
      std::function<Result<void>(const std::string& uid, const std::string& container, int signal)>
          signal) {
    signal_ = std::move(signal);
  }
  // Stops of the pod under way (to drive them on every reconcile).
  std::vector<StopRequest> underway(const std::string& uid) const;
  // The instance is gone: forget its stop (a preStop hook still running is cancelled).
  void forget(const std::string& uid, const std::string& container);
  void forgetPod(const std::string& uid);

 private:
  struct Stop {
    StopRequest request;
    int64_t graceEndNs = 0;
    std::optional<probe::HandlerRunner::Id> hook;
    bool hookRan = false;
    std::optional<int64_t> sigtermAtNs;
    std::optional<int64_t> killedAtNs;
  };
  using Id = std::pair<std::string, std::string>;

  void begin(Stop& s);
  void hookDone(const Id& id, int64_t startedAtNs, probe::HandlerResult r);

  runtime::ContainerRuntime& runtime_;
  probe::HandlerRunner* runner_;
  const Clock& clock_;
  std::function<void(const std::string&)> requeue_;
  EventFn event_;
  std::map<Id, Stop> stops_;
  std::function<Result<void>(const std::string&, const std::string&)> kill_;
  std::function<Result<void>(const std::string&, const std::string&, int)> signal_;
};

}  // namespace podkeeper::reconciler
