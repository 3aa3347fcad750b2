#include <algorithm>

#include "manifests/pod.h"

namespace podkeeper::manifests {
namespace {

bool restartsUnder(RestartPolicy policy, int exitCode) {
  switch (policy) {
    case RestartPolicy::Always:
      return true;
    case RestartPolicy::OnFailure:
      return exitCode != 0;
    case RestartPolicy::Never:
      return false;
  }
  return false;
}

// The first rule whose exit codes match, as the kubelet's findMatchingContainerRestartRule.
const ContainerRestartRule* matchingRule(const Container& c, int exitCode) {
  for (const auto& rule : c.restartPolicyRules) {
    if (!rule.exitCodes) continue;
    const auto& v = rule.exitCodes->values;
    const bool in = std::find(v.begin(), v.end(), exitCode) != v.end();
    if ((rule.exitCodes->op == "In" && in) || (rule.exitCodes->op == "NotIn" && !in)) return &rule;
  }
  return nullptr;
}

}  // namespace

bool containerShouldRestart(const Container& c, RestartPolicy podPolicy, int exitCode) {
  if (c.restartPolicy.empty()) return restartsUnder(podPolicy, exitCode);
  if (const auto* rule = matchingRule(c, exitCode); rule && rule->action == "Restart") return true;
  if (c.restartPolicy == "Always") return true;
  if (c.restartPolicy == "OnFailure") return exitCode != 0;
  return false;  // Never
}

}  // namespace podkeeper::manifests
