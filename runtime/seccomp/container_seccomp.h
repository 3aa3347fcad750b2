#pragma once

#include <linux/filter.h>

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/container_runtime.h"

namespace podkeeper::runtime {

// The BPF program a container loads before exec, nullopt for none (Unconfined, or a
// privileged container). RuntimeDefault depends on the container's final capability names
// (as containerCapabilities returns them); Localhost reads and checks the profile file.
Result<std::optional<std::vector<sock_filter>>> containerSeccompProgram(
    const SeccompSpec& spec, const std::vector<std::string>& capabilities, bool privileged);

}  // namespace podkeeper::runtime
