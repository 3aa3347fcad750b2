#include "reconciler/plan.h"

#include <algorithm>

namespace podkeeper::reconciler {
namespace {

using manifests::RestartPolicy;
using runtime::ContainerState;

void requeueNoLaterThan(Plan& p, int64_t atNs) {
  if (!p.requeueAtNs || atNs < *p.requeueAtNs) p.requeueAtNs = atNs;
}

// Stop everything, then remove the sandbox: deletion, or the first half of a recreate.
Plan planTermination(const PlanInput& in) {
  Plan p;
  std::vector<const ContainerState*> running;
  for (const auto& c : in.observed->containers)
    if (c.running) running.push_back(&c);

  if (running.empty()) {
    p.actions.push_back({ActionKind::RemoveSandbox, ""});
    return p;
  }
  if (!in.killDeadlineNs) {
    for (auto* c : running) p.actions.push_back({ActionKind::StopContainer, c->name});
    p.startsGracePeriod = true;
    requeueNoLaterThan(p, in.nowNs + in.observed->terminationGracePeriodSeconds * kNsPerSec);
    return p;
  }
  if (in.nowNs >= *in.killDeadlineNs) {
    for (auto* c : running) p.actions.push_back({ActionKind::KillContainer, c->name});
    requeueNoLaterThan(p, in.nowNs + kExitSettleNs);
    return p;
  }
  requeueNoLaterThan(p, *in.killDeadlineNs);
  return p;
}

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

enum class Progress {
  Starting,   // a start was planned
  Running,    // running, or its exit is being recorded
  Completed,  // exited and needs nothing more (an init container: exited 0)
  Held,       // exited and waits: crash-loop back-off, or a failed init container under Never
};

// One desired container against what runs; appends to p. Init containers restart on failure
// unless the pod's policy is Never, as in Kubernetes.
Progress planContainer(const PlanInput& in, const manifests::Container& want, bool init, Plan& p) {
  const auto& pod = *in.desired;
  const ContainerState* have = nullptr;
  if (in.observed)
    for (const auto& c : in.observed->containers)
      if (c.name == want.name) have = &c;

  if (!have) {
    p.actions.push_back({ActionKind::StartContainer, want.name, 0});
    return Progress::Starting;
  }
  if (have->running) return Progress::Running;

  runtime::ExitRecord exit;
  if (have->exit) {
    exit = *have->exit;
  } else if (have->shimAlive) {
    requeueNoLaterThan(p, in.nowNs + kExitSettleNs);  // the shim is writing the exit record
    return Progress::Running;
  } else {
    exit.exitCode = 255;  // the shim died without a record: unknown, treated as a failure
    exit.finishedAtNs = have->startedAtNs;
  }
  if (init && exit.exitCode == 0) return Progress::Completed;
  auto policy = pod.pod.spec.restartPolicy;
  if (init && policy == RestartPolicy::Always) policy = RestartPolicy::OnFailure;
  if (!wantsRestart(policy, exit)) return init ? Progress::Held : Progress::Completed;

  auto key = backoffKey(pod.uid, want.name, pod.specHash);
  int64_t allowedAt =
      in.backoff ? in.backoff->restartAllowedAtNs(key, exit.finishedAtNs) : exit.finishedAtNs;
  if (allowedAt > in.nowNs) {
    p.waiting[want.name] = init ? "Init:CrashLoopBackOff" : "CrashLoopBackOff";
    requeueNoLaterThan(p, allowedAt);
    return Progress::Held;
  }
  p.actions.push_back({ActionKind::RemoveContainer, want.name});
  p.actions.push_back({ActionKind::StartContainer, want.name, have->restartCount + 1});
  return Progress::Starting;
}

}  // namespace

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
    return planTermination(in);
  }
  if (in.observed && in.observed->specHash != in.desired->specHash) return planTermination(in);

  Plan p;
  const auto& spec = in.desired->pod.spec;
  bool anyStart = false;
  // Init containers one at a time, in order; the app containers once all have exited 0.
  bool initialized = true;
  for (const auto& c : spec.initContainers) {
    Progress progress = planContainer(in, c, true, p);
    anyStart |= progress == Progress::Starting;
    if (progress != Progress::Completed) {
      initialized = false;
      break;
    }
  }
  if (initialized)
    for (const auto& c : spec.containers)
      anyStart |= planContainer(in, c, false, p) == Progress::Starting;
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
