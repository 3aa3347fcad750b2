#include "reconciler/plan.h"

#include <algorithm>

#include "reconciler/storage_eviction.h"
#include "status/pod_phase.h"

namespace podkeeper::reconciler {
namespace {

using manifests::RestartPolicy;
using runtime::ContainerState;

void requeueNoLaterThan(Plan& p, int64_t atNs) {
  if (!p.requeueAtNs || atNs < *p.requeueAtNs) p.requeueAtNs = atNs;
}

// No state.json (pid 0), no exit record and no shim holding the bundle: the agent was killed
// between making the container's directory and its shim's start. It never ran.
bool neverStarted(const ContainerState& c) { return c.pid == 0 && !c.exit && !c.shimAlive; }

enum class Role { Init, Sidecar, Regular };

enum class Progress {
  Starting,   // a start was planned
  Running,    // running, or its exit is being recorded
  Completed,  // exited and needs nothing more (an init container: exited 0)
  Held,       // exited and waits: crash-loop back-off, or a failed init container under Never
};

const ContainerState* observedContainer(const PlanInput& in, const std::string& name) {
  if (in.observed)
    for (const auto& c : in.observed->containers)
      if (c.name == name) return &c;
  return nullptr;
}

// The exit of a container that is not running, or nullopt while its shim records it.
std::optional<runtime::ExitRecord> exitOf(const ContainerState& have) {
  if (have.exit) return *have.exit;
  if (have.shimAlive) return std::nullopt;
  runtime::ExitRecord exit;
  exit.exitCode = 255;  // the shim died without a record: unknown, treated as a failure
  exit.finishedAtNs = have.startedAtNs;
  return exit;
}

RestartPolicy policyFor(Role role, RestartPolicy pod) {
  if (role == Role::Sidecar) return RestartPolicy::Always;  // whatever the pod's policy
  if (role == Role::Init && pod == RestartPolicy::Always) return RestartPolicy::OnFailure;
  return pod;
}

// One desired container against what runs; appends to p. Init containers restart on failure
// unless the pod's policy is Never, as in Kubernetes; sidecars always restart.
Progress planContainer(const PlanInput& in, const manifests::Container& want, Role role, Plan& p) {
  const auto& pod = *in.desired;
  const ContainerState* have = observedContainer(in, want.name);
  if (!have) {
    p.actions.push_back({ActionKind::StartContainer, want.name, 0});
    return Progress::Starting;
  }
  if (have->running) return Progress::Running;
  if (neverStarted(*have)) {
    p.actions.push_back({ActionKind::DiscardContainer, want.name});
    p.actions.push_back({ActionKind::StartContainer, want.name, have->restartCount});
    return Progress::Starting;
  }
  auto exit = exitOf(*have);
  if (!exit) {
    requeueNoLaterThan(p, in.nowNs + kExitSettleNs);  // the shim is writing the exit record
    return Progress::Running;
  }
  if (role == Role::Init && exit->exitCode == 0) return Progress::Completed;
  // An init container with a restartPolicy of its own (ContainerRestartRules: OnFailure or
  // Never, with rules) follows it, and its rules, instead of the pod's.
  const bool ownPolicy = role == Role::Init && !want.restartPolicy.empty();
  const bool restart =
      role == Role::Regular || ownPolicy
          ? manifests::containerShouldRestart(want, pod.pod.spec.restartPolicy, exit->exitCode)
          : wantsRestart(policyFor(role, pod.pod.spec.restartPolicy), *exit);
  if (!restart) return role == Role::Init ? Progress::Held : Progress::Completed;

  auto key = backoffKey(pod.uid, want.name, pod.specHash);
  int64_t allowedAt =
      in.backoff ? in.backoff->restartAllowedAtNs(key, exit->finishedAtNs) : exit->finishedAtNs;
  if (allowedAt > in.nowNs) {
    p.waiting[want.name] = role == Role::Init ? "Init:CrashLoopBackOff" : "CrashLoopBackOff";
    requeueNoLaterThan(p, allowedAt);
    return Progress::Held;
  }
  p.actions.push_back({ActionKind::RemoveContainer, want.name});
  p.actions.push_back({ActionKind::StartContainer, want.name, have->restartCount + 1});
  return Progress::Starting;
}

// A sidecar lets the next init container start once it is started (see PlanInput).
bool sidecarStarted(const PlanInput& in, const std::string& name) {
  const ContainerState* have = observedContainer(in, name);
  if (!have || !have->running) return false;
  const auto* container = [&]() -> const manifests::Container* {
    for (const auto& c : in.desired->pod.spec.initContainers)
      if (c.name == name) return &c;
    return nullptr;
  }();
  if (!container || !container->startupProbe || !in.startupProbeSucceeded) return true;
  auto it = in.startupProbeSucceeded->find(name);
  return it != in.startupProbeSucceeded->end() && it->second;
}

// Every regular container exited and none will be restarted: the pod is Succeeded or Failed,
// and its sidecars are stopped.
bool regularContainersDone(const PlanInput& in) {
  for (const auto& want : in.desired->pod.spec.containers) {
    const ContainerState* have = observedContainer(in, want.name);
    if (!have || have->running) return false;
    auto exit = exitOf(*have);
    if (!exit ||
        manifests::containerShouldRestart(want, in.desired->pod.spec.restartPolicy, exit->exitCode))
      return false;
  }
  return true;
}

// When activeDeadlineSeconds ends the pod, measured from its sandbox's creation (now, when
// this plan makes it). A sandbox made before the agent recorded creation times has none.
std::optional<int64_t> activeDeadlineNs(const PlanInput& in) {
  const auto& seconds = in.desired->pod.spec.activeDeadlineSeconds;
  if (!seconds) return std::nullopt;
  if (!in.observed) return nsAfter(in.nowNs, *seconds);
  if (in.observed->createdAtNs <= 0) return std::nullopt;
  return nsAfter(in.observed->createdAtNs, *seconds);
}

bool anyRegularContainerExists(const PlanInput& in) {
  for (const auto& want : in.desired->pod.spec.containers)
    if (observedContainer(in, want.name)) return true;
  return false;
}

}  // namespace

bool wantsRestart(RestartPolicy policy, const runtime::ExitRecord& exit) {
  switch (policy) {
    case RestartPolicy::Always:
      return true;
    case RestartPolicy::OnFailure:
      return exit.exitCode != 0;
    case RestartPolicy::Never:
      return false;
  }
  return false;
}

const char* toString(ActionKind k) {
  switch (k) {
    case ActionKind::EnsureSandbox:
      return "EnsureSandbox";
    case ActionKind::StartContainer:
      return "StartContainer";
    case ActionKind::RemoveContainer:
      return "RemoveContainer";
    case ActionKind::StopContainer:
      return "StopContainer";
    case ActionKind::KillContainer:
      return "KillContainer";
    case ActionKind::RemoveSandbox:
      return "RemoveSandbox";
    case ActionKind::DiscardContainer:
      return "DiscardContainer";
    case ActionKind::ReleaseSandbox:
      return "ReleaseSandbox";
  }
  return "Unknown";
}

std::string backoffKey(const std::string& uid, const std::string& container,
                       const std::string& specHash) {
  return uid + "/" + container + "/" + specHash;
}

Plan planPod(const PlanInput& in) {
  if (!in.desired) {
    if (!in.observed) return {};
    return planStop(in, true);
  }
  if (in.observed && (in.observed->specHash != in.desired->specHash || in.sandboxChanged))
    return planStop(in, true);

  // Past activeDeadlineSeconds, or evicted, the pod is Failed for good: everything stops,
  // nothing starts, until its spec changes.
  const auto deadline = activeDeadlineNs(in);
  // Once all its containers stopped, what it holds on the node is freed as the kubelet frees
  // a terminated pod's (volumes, writable layers, sandbox); its status and logs stay.
  if (const auto* stop = status::terminalStop(in.observed)) {
    Plan p = planStop(in, false);
    p.stopReason = stop->reason;
    p.stopMessage = stop->message;
    if (p.actions.empty() && !p.requeueAtNs && !in.observed->released) {
      // A shim still writing its container's exit record is waited for: it is the status.
      const auto& cs = in.observed->containers;
      if (std::any_of(cs.begin(), cs.end(), [](const auto& c) { return c.shimAlive; }))
        requeueNoLaterThan(p, in.nowNs + kExitSettleNs);
      else
        p.actions.push_back({ActionKind::ReleaseSandbox, ""});
    }
    return p;
  }
  if (deadline && in.nowNs >= *deadline) {
    Plan p = planStop(in, false);
    p.stopReason = "DeadlineExceeded";
    p.stopMessage = "Pod was active on the node longer than the specified deadline";
    return p;
  }
  if (in.evictionMessage) {
    Plan p = planStop(in, false);
    p.stopReason = kEvictedReason;
    p.stopMessage = *in.evictionMessage;
    return p;
  }
  if (in.observed && !in.observed->sidecars.empty() && regularContainersDone(in))
    return planStop(in, false);

  Plan p;
  if (deadline) requeueNoLaterThan(p, *deadline);
  const auto& spec = in.desired->pod.spec;
  bool anyStart = false;
  // Init containers one at a time, in order (a sidecar counts as done once started); the
  // regular containers once all are done. Once a regular container exists the pod is
  // initialized: a sidecar crashing later holds nothing back.
  const bool initializedBefore = anyRegularContainerExists(in);
  bool initialized = true;
  for (const auto& c : spec.initContainers) {
    const bool sidecar = manifests::isSidecar(c);
    Progress progress = planContainer(in, c, sidecar ? Role::Sidecar : Role::Init, p);
    anyStart |= progress == Progress::Starting;
    bool done = sidecar ? progress == Progress::Running && sidecarStarted(in, c.name)
                        : progress == Progress::Completed;
    if (!done && !initializedBefore) {
      initialized = false;
      break;
    }
  }
  if (initialized)
    for (const auto& c : spec.containers)
      anyStart |= planContainer(in, c, Role::Regular, p) == Progress::Starting;
  // Containers no longer in the spec cannot exist with an unchanged hash, except by hand.
  if (in.observed) {
    auto named = [](const std::vector<manifests::Container>& list, const std::string& name) {
      return std::any_of(list.begin(), list.end(), [&](const auto& c) { return c.name == name; });
    };
    for (const auto& have : in.observed->containers) {
      bool wanted = named(spec.containers, have.name) || named(spec.initContainers, have.name);
      if (!wanted && have.running) p.actions.push_back({ActionKind::KillContainer, have.name});
    }
  }
  if (anyStart) p.actions.insert(p.actions.begin(), {ActionKind::EnsureSandbox, ""});
  return p;
}

}  // namespace podkeeper::reconciler
