#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/decode.h"
#include "reconciler/crash_backoff.h"
#include "runtime/container_runtime.h"

// plan(): desired x observed -> actions, for one pod. Pure; the executor carries them out.
namespace podkeeper::reconciler {

enum class ActionKind {
  EnsureSandbox,
  StartContainer,   // container, restartCount
  RemoveContainer,  // an exited instance, before its restart
  StopContainer,    // SIGTERM to the container's init; the grace period starts
  KillContainer,    // SIGKILL to everything in the container's cgroup
  RemoveSandbox,
  DiscardContainer,  // a start the agent did not finish (killed mid-start): not a restart
  ReleaseSandbox,    // stopped for good: free its disk and namespaces, keep its status and logs
};
const char* toString(ActionKind k);

struct Action {
  ActionKind kind;
  std::string container;
  int restartCount = 0;
  bool operator==(const Action&) const = default;
};

struct Plan {
  std::vector<Action> actions;
  std::optional<int64_t> requeueAtNs;          // look again no later than this
  bool startsGracePeriod = false;              // the executor records the kill deadline
  std::map<std::string, std::string> waiting;  // container -> reason (CrashLoopBackOff)
  // DeadlineExceeded or Evicted: the pod is Failed for good (recorded, an event)
  std::string stopReason;
  std::string stopMessage;
};

struct PlanInput {
  const manifests::DecodedPod* desired = nullptr;   // nullptr: the pod is not wanted
  const runtime::SandboxState* observed = nullptr;  // nullptr: nothing on the machine
  std::optional<int64_t> killDeadlineNs;            // set once SIGTERM was sent
  const CrashBackoff* backoff = nullptr;
  int64_t nowNs = 0;
  std::vector<std::string> signalled = {};  // containers already sent SIGTERM in this stop
  // Startup probe results by container. A sidecar lets the next init container start once it
  // is started: running, and, when it has a startup probe, once this says true. Until probes
  // feed it, nullptr: a running sidecar is started.
  const std::map<std::string, bool>* startupProbeSucceeded = nullptr;
  // Why the pod is evicted now (its local storage outgrew a limit: storage_eviction.h).
  std::optional<std::string> evictionMessage = std::nullopt;
  // The grace period of this stop when not the pod's own (node-pressure eviction).
  std::optional<int64_t> stopGraceSeconds = std::nullopt;
  // The observed sandbox must be made again (its network failed its check on adoption).
  bool sandboxChanged = false;
};

Plan planPod(const PlanInput& in);

// Stops what runs in the observed sandbox: SIGTERM to the regular containers, then to the
// sidecars one at a time from the last, SIGKILL to all at the kill deadline; then removes the
// sandbox when removeSandbox. Deletion, recreation, completion with sidecars, deadline.
Plan planStop(const PlanInput& in, bool removeSandbox);

// Whether a container that exited is started again: the pod's restartPolicy for regular
// containers, OnFailure-like for init containers, always for sidecars.
bool wantsRestart(manifests::RestartPolicy policy, const runtime::ExitRecord& exit);

// The crash back-off key: container name and the pod's spec hash (a spec change resets it).
std::string backoffKey(const std::string& uid, const std::string& container,
                       const std::string& specHash);

// How long a container whose shim is gone without an exit record, or whose init died while
// its shim lives on, is given before being treated as exited.
inline constexpr int64_t kExitSettleNs = 200 * kNsPerMs;

}  // namespace podkeeper::reconciler
