#include "status/pod_phase.h"

namespace podkeeper::status {

const runtime::StopRecord* terminalStop(const runtime::SandboxState* observed) {
  if (!observed || !observed->stop || observed->stop->reason.empty()) return nullptr;
  return &*observed->stop;
}

std::string podPhase(const manifests::DecodedPod& desired, const runtime::SandboxState* observed) {
  if (!observed || observed->specHash != desired.specHash) return "Pending";
  if (terminalStop(observed)) return "Failed";
  const auto policy = desired.pod.spec.restartPolicy;
  auto find = [&](const std::string& name) -> const runtime::ContainerState* {
    for (const auto& c : observed->containers)
      if (c.name == name) return &c;
    return nullptr;
  };
  // Once a regular container exists the pod is initialized (sidecars may restart later).
  bool initialized = false;
  for (const auto& c : desired.pod.spec.containers) initialized |= find(c.name) != nullptr;
  for (const auto& init : desired.pod.spec.initContainers) {
    const auto* have = find(init.name);
    if (manifests::isSidecar(init)) {
      if (!initialized && (!have || !have->running)) return "Pending";
      continue;
    }
    if (initialized) continue;
    if (!have || !have->exit) return "Pending";
    if (have->exit->exitCode != 0)
      return policy == manifests::RestartPolicy::Never ? "Failed" : "Pending";
  }
  int running = 0, succeeded = 0, failed = 0, missing = 0, restarting = 0;
  for (const auto& want : desired.pod.spec.containers) {
    const runtime::ContainerState* have = nullptr;
    for (const auto& c : observed->containers)
      if (c.name == want.name) have = &c;
    if (!have) {
      ++missing;
    } else if (have->running || !have->exit) {
      ++running;
    } else {
      ++(have->exit->exitCode == 0 ? succeeded : failed);
      // The pod's policy, or the container's own restartPolicy and restartPolicyRules.
      restarting += manifests::containerShouldRestart(want, policy, have->exit->exitCode);
    }
  }
  if (missing > 0) return "Pending";
  if (running > 0 || restarting > 0) return "Running";
  return failed > 0 ? "Failed" : "Succeeded";
}

}  // namespace podkeeper::status
