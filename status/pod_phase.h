#pragma once

#include <string>

#include "manifests/decode.h"
#include "runtime/container_runtime.h"

namespace podkeeper::status {

// The stop of a pod that is Failed for good until its spec changes (activeDeadlineSeconds
// passed: DeadlineExceeded; local storage outgrown: Evicted), with its status reason and
// message; nullptr for none.
const runtime::StopRecord* terminalStop(const runtime::SandboxState* observed);

// The pod phase as the kubelet computes it from container states: Pending until every
// container has started once; Running while any runs or will be restarted; Succeeded when
// all exited 0 and none will restart; Failed when all exited, one with an error, and none
// will restart; and Failed for good once stopped for a reason (terminalStop). observed may be
// null (nothing created yet).
std::string podPhase(const manifests::DecodedPod& desired, const runtime::SandboxState* observed);

}  // namespace podkeeper::status
