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

// In the container's init before exec, in this order (dropping from the bounding set needs
// CAP_SETPCAP, which the second step may take away):
// every capability outside keep leaves the bounding set;
Result<void> dropBoundingSet(uint64_t keep);
// permitted and effective become mask (as far as this process holds them), inheritable and
// ambient empty.
Result<void> setProcessCapabilities(uint64_t mask);

}  // namespace podkeeper::runtime
