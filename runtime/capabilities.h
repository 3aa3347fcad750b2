#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace podkeeper::runtime {

// containerd's default set (names without the CAP_ prefix).
const std::vector<std::string>& defaultCapabilities();

// The set a container gets: the default, or every capability when privileged, then
// securityContext add and drop ("ALL" allowed in both, as Kubernetes does; "CAP_" prefix
// optional). Unknown names are an error naming the name.
Result<std::vector<std::string>> containerCapabilities(const std::vector<std::string>& add,
                                                       const std::vector<std::string>& drop,
                                                       bool privileged);

// Bit mask of capability numbers for names; unknown names are an error.
Result<uint64_t> capabilityMask(const std::vector<std::string>& names);

// In the container's init before exec: drops every capability outside mask from the
// bounding set, sets permitted and effective to mask, inheritable and ambient to empty.
Result<void> applyCapabilities(uint64_t mask);

}  // namespace podkeeper::runtime
