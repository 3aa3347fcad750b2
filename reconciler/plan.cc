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

// One desired container against what runs; appends to p. Returns true when it needs a start.
bool planContainer(const PlanInput& in, const manifests::Container& want, Plan& p) {
  const auto& pod = *in.desired;
  const ContainerState* have = nullptr;
  if (in.observed)
    for (const auto& c : in.observed->containers)
      if (c.name == want.name) have = &c;

  if (!have) {
    p.actions.push_back({ActionKind::StartContainer, want.name, 0});
    return true;
  }
  if (have->running) return false;

  runtime::ExitRecord exit;
  if (have->exit) {
    exit = *have->exit;
  } else if (have->shimAlive) {
    requeueNoLaterThan(p, in.nowNs + kExitSettleNs);  // the shim is writing the exit record
    return false;
  } else {
    exit.exitCode = 255;  // the shim died without a record: unknown, treated as a failure
    exit.finishedAtNs = have->startedAtNs;
  }
  if (!wantsRestart(pod.pod.spec.restartPolicy, exit)) return false;

  auto key = backoffKey(pod.uid, want.name, pod.specHash);
  int64_t allowedAt =
      in.backoff ? in.backoff->restartAllowedAtNs(key, exit.finishedAtNs) : exit.finishedAtNs;
  if (allowedAt > in.nowNs) {
    p.waiting[want.name] = "CrashLoopBackOff";
    requeueNoLaterThan(p, allowedAt);
    return false;
  }
  p.actions.push_back({ActionKind::RemoveContainer, want.name});
  p.actions.push_back({ActionKind::StartContainer, want.name, have->restartCount + 1});
  return true;
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
  bool anyStart = false;
  for (const auto& c : in.desired->pod.spec.containers) anyStart |= planContainer(in, c, p);
  // Containers no longer in the spec cannot exist with an unchanged hash, except by hand.
  if (in.observed) {
    for (const auto& have : in.observed->containers) {
      const auto& want = in.desired->pod.spec.containers;
      bool wanted =
          std::any_of(want.begin(), want.end(), [&](const auto& c) { return c.name == have.name; });
      if (!wanted && have.running) p.actions.push_back({ActionKind::KillContainer, have.name});
    }
  }
  if (anyStart) p.actions.insert(p.actions.begin(), {ActionKind::EnsureSandbox, ""});
  return p;
}

}  // namespace podkeeper::reconciler
