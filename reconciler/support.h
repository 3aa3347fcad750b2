#pragma once

#include <string>
#include <vector>

#include "manifests/pod.h"

namespace podkeeper::reconciler {

// Fields the manifest layer accepts but this agent does not carry out yet. A pod using one
// is not started (the error names each field), rather than run without what it asked for;
// a running pod whose manifest gains one keeps running on its accepted spec.
std::vector<std::string> unsupportedFields(const manifests::Pod& pod);

// The probes and lifecycle hooks of a pod, by path, for a reconciler that has no handler
// runner to run them with.
std::vector<std::string> needsHandlers(const manifests::Pod& pod);

}  // namespace podkeeper::reconciler
