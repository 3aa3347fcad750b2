#include <algorithm>

#include "reconciler/plan.h"

namespace podkeeper::reconciler {
namespace {

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

void requeueNoLaterThan(Plan& p, int64_t atNs) {
  if (!p.requeueAtNs || atNs < *p.requeueAtNs) p.requeueAtNs = atNs;
}

}  // namespace

Plan planStop(const PlanInput& in, bool removeSandbox) {
  Plan p;
  const auto& sidecars = in.observed->sidecars;
  std::vector<std::string> running;
  for (const auto& c : in.observed->containers)
    if (c.running) running.push_back(c.name);

  if (running.empty()) {
    if (removeSandbox) p.actions.push_back({ActionKind::RemoveSandbox, ""});
    return p;
  }
  if (in.killDeadlineNs && in.nowNs >= *in.killDeadlineNs) {
    for (const auto& name : running) p.actions.push_back({ActionKind::KillContainer, name});
    requeueNoLaterThan(p, in.nowNs + kExitSettleNs);
    return p;
  }
  // The regular containers first, all at once; the sidecars once none of those runs, the
  // last one first, each after the one behind it has exited (Kubernetes 1.29).
  std::vector<std::string> now;
  for (const auto& name : running)
    if (!contains(sidecars, name)) now.push_back(name);
  if (now.empty())
    for (auto it = sidecars.rbegin(); it != sidecars.rend() && now.empty(); ++it)
      if (contains(running, *it)) now.push_back(*it);
  for (const auto& name : now)
    if (!contains(in.signalled, name)) p.actions.push_back({ActionKind::StopContainer, name});
  if (!in.killDeadlineNs) {
    p.startsGracePeriod = true;
    requeueNoLaterThan(p, nsAfter(in.nowNs, in.stopGraceSeconds.value_or(
                                                in.observed->terminationGracePeriodSeconds)));
  } else {
    requeueNoLaterThan(p, *in.killDeadlineNs);
  }
  return p;
}

}  // namespace podkeeper::reconciler
