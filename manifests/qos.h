#pragma once

#include <cstdint>
#include <optional>

#include "manifests/pod.h"

// A pod's quality-of-service class, as the API server computes it (pure).
namespace podkeeper::manifests {

// The API server's defaulting of a resource request: a missing request is the limit.
std::optional<int64_t> effectiveRequest(std::optional<int64_t> request,
                                        std::optional<int64_t> limit);

enum class QosClass { Guaranteed, Burstable, BestEffort };
const char* toString(QosClass q);

// Guaranteed: every container has cpu and memory limits equal to its requests (a missing
// request defaults to the limit, as the API server does). BestEffort: nothing set anywhere.
QosClass qosClass(const manifests::PodSpec& spec);

}  // namespace podkeeper::manifests
