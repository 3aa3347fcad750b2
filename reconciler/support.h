#pragma once

#include <string>
#include <vector>

#include "manifests/pod.h"

namespace podkeeper::reconciler {

// The probes and lifecycle hooks of a pod, by path, for a reconciler that has no handler
// runner to run them with.
std::vector<std::string> needsHandlers(const manifests::Pod& pod);

}  // namespace podkeeper::reconciler
