#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "manifests/decode.h"
#include "probe/handler_runner.h"
#include "probe/probe_worker.h"
#include "runtime/container_runtime.h"

// The probes of every running container: workers per container instance (state, not
// threads), started through a HandlerRunner when due. The owner calls runDue() at
// nextDueNs() (ProbeTimer on the agent's loop; tests call it with a fake clock).
namespace podkeeper::probe {

// A liveness or startup probe failed failureThreshold times: the container is restarted.
struct ProbeFailure {
  ProbeType type;
  std::string message;
  std::optional<int64_t> terminationGracePeriodSeconds;  // the probe's own, when set
};

class ProbeManager {
 public:
  struct Hooks {
    // A container must be restarted (liveness or startup failure).
    std::function<void(const std::string& key)> requeue;
    std::function<void(const std::string& key, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& container)>
        event;
    // probeType liveness|readiness|startup, result success|failure|error.
    std::function<void(const std::string& ns, const std::string& pod, const std::string& container,
                       const std::string& probeType, const std::string& result)>
        result;
    // A probe was added or answered: nextDueNs() may have moved.
    std::function<void()> scheduleChanged;
  };

  ProbeManager(HandlerRunner& runner, const Clock& clock, std::string hostIP, Hooks hooks);
  ~ProbeManager();
  ProbeManager(const ProbeManager&) = delete;
  ProbeManager& operator=(const ProbeManager&) = delete;

  // One worker per probe of each running container of the pod that `allowed` lets probe
  // (not while its postStart hook runs or while it is being stopped); a new instance of a
  // container gets new workers, and containers that stopped lose theirs.
  void sync(const manifests::DecodedPod& pod, const runtime::SandboxState& observed,
            const std::function<bool(const std::string& container)>& allowed);
  // The pod is gone: its probes stop (a probe still running is cancelled).
  void forget(const std::string& uid);

  std::optional<int64_t> nextDueNs() const;
  // Sends every probe that is due now.
  void runDue();

  // The readiness of a probed container instance (startup and readiness probes both count);
  // nullopt when it has no workers (no probes, or not running).
  std::optional<bool> ready(const std::string& uid, const std::string& container) const;
  // False while its startup probe has not passed; nullopt without workers.
  std::optional<bool> started(const std::string& uid, const std::string& container) const;
  std::optional<int64_t> readinessChangedNs(const std::string& uid,
                                            const std::string& container) const;
  std::optional<ProbeFailure> failure(const std::string& uid, const std::string& container) const;

 private:
  struct Slot {
    ProbeWorker worker;
    HandlerSpec spec;
    std::optional<HandlerRunner::Id> running;
  };
  struct Probed {
    std::string key, ns, pod;
    int64_t startedAtNs = 0;
    std::vector<Slot> slots;
    std::optional<ProbeFailure> failure;
    std::optional<int64_t> readinessChangedNs;
  };
  using Id = std::pair<std::string, std::string>;  // uid, container

  void drop(std::map<Id, Probed>::iterator it);
  void send(const Id& id, Probed& p, size_t index, int64_t nowNs);
  void answered(const Id& id, int64_t startedAtNs, size_t index, HandlerResult r);
  const Slot* slot(const Id& id, ProbeType type) const;

  HandlerRunner& runner_;
  const Clock& clock_;
  std::string hostIP_;
  Hooks hooks_;
  std::map<Id, Probed> probed_;
};

}  // namespace podkeeper::probe
