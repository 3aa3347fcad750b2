#pragma once

#include <string>

#include "manifests/decode.h"
#include "runtime/container_runtime.h"

namespace podkeeper::reconciler {

// The pod phase as the kubelet computes it from container states: Pending until every
// container has started once; Running while any runs or will be restarted; Succeeded when
// all exited 0 and none will restart; Failed when all exited, one with an error, and none
// will restart. observed may be null (nothing created yet).
std::string podPhase(const manifests::DecodedPod& desired, const runtime::SandboxState* observed);

}  // namespace podkeeper::reconciler
