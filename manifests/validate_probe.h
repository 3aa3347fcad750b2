#pragma once

#include <string>

#include "manifests/pod.h"
#include "manifests/validate.h"

// Probes and lifecycle hooks of one container.
namespace podkeeper::manifests {

enum class ProbeKind { Liveness, Readiness, Startup };

void validateProbe(const Probe& p, ProbeKind kind, const Container& c, const std::string& field,
                   Reporter& r);
void validateLifecycle(const Lifecycle& l, const Container& c, int64_t gracePeriodSeconds,
                       const std::string& field, Reporter& r);

}  // namespace podkeeper::manifests
