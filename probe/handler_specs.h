#pragma once

#include <cstdint>
#include <string>

#include "manifests/decode.h"
#include "probe/handler_runner.h"

// Probe and lifecycle handlers of the Pod model as what the runtime runs. Pure.
namespace podkeeper::probe {

// Where an httpGet or tcpSocket handler connects, as the kubelet does: to the pod's own address
// when no host is given (127.0.0.1 inside the pod's network namespace; the host's address for
// hostNetwork pods), else to the given host from the host's network namespace. A named port
// is looked up in the container's ports (validation made sure it is there).
HandlerSpec probeHandlerSpec(const manifests::Probe& probe, const manifests::Container& container,
                             const manifests::DecodedPod& pod, const std::string& hostIP);

// timeoutMs: 0 for none (postStart, as the kubelet); preStop gets the grace period.
HandlerSpec lifecycleHandlerSpec(const manifests::LifecycleHandler& handler,
                                 const manifests::Container& container,
                                 const manifests::DecodedPod& pod, const std::string& hostIP,
                                 int64_t timeoutMs);

}  // namespace podkeeper::probe
