#include "reconciler/pod_phase.h"

namespace podkeeper::reconciler {

std::string podPhase(const manifests::DecodedPod& desired, const runtime::SandboxState* observed) {
  if (!observed || observed->specHash != desired.specHash) return "Pending";
  const auto policy = desired.pod.spec.restartPolicy;
  auto find = [&](const std::string& name) -> const runtime::ContainerState* {
    for (const auto& c : observed->containers)
      if (c.name == name) return &c;
    return nullptr;
  };
  for (const auto& init : desired.pod.spec.initContainers) {
    const auto* have = find(init.name);
    if (!have || !have->exit) return "Pending";
    if (have->exit->exitCode != 0)
      return policy == manifests::RestartPolicy::Never ? "Failed" : "Pending";
  }
  int running = 0, succeeded = 0, failed = 0, missing = 0;
  for (const auto& want : desired.pod.spec.containers) {
    const runtime::ContainerState* have = nullptr;
    for (const auto& c : observed->containers)
      if (c.name == want.name) have = &c;
    if (!have) {
      ++missing;
    } else if (have->running || !have->exit) {
      ++running;
    } else if (have->exit->exitCode == 0) {
      ++succeeded;
    } else {
      ++failed;
    }
  }
  if (missing > 0) return "Pending";
  if (running > 0) return "Running";
  if (policy == manifests::RestartPolicy::Always) return "Running";  // restarting
  if (failed > 0 && policy == manifests::RestartPolicy::OnFailure) return "Running";
  return failed > 0 ? "Failed" : "Succeeded";
}

}  // namespace podkeeper::reconciler
