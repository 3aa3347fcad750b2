#pragma once

#include <cstdint>

#include "runtime/container_runtime.h"

namespace podkeeper::runtime {

// An exit record from waitid's si_code/si_status: a normal exit keeps its code, death by a
// signal becomes 128+signal as the shell reports it.
ExitRecord exitRecordFromWait(int siCode, int siStatus, bool oomKilled, int64_t startedAtNs,
                              int64_t finishedAtNs);

// The cgroup's OOM kill counter went up while the container ran.
bool oomKilledBetween(std::optional<uint64_t> before, std::optional<uint64_t> after);

}  // namespace podkeeper::runtime
