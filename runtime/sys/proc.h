#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"

// Process identity: a pid plus its start time (/proc/<pid>/stat field 22, clock ticks since
// boot) names one process for good; a pid alone may have been recycled.
namespace podkeeper::runtime {

// Field 22 of a /proc/<pid>/stat line. The command name may hold spaces and parentheses.
Result<uint64_t> parseProcStatStartTime(std::string_view stat);

// Field 3: the state letter ('R', 'S', 'Z' for a zombie, ...).
Result<char> parseProcStatState(std::string_view stat);

Result<uint64_t> readProcStartTime(pid_t pid);

// True while the process pid runs (exists and is not a zombie) and started at startTime.
bool processAlive(pid_t pid, uint64_t startTime);

// A pidfd for pid, checked to be the process that started at startTime.
Result<UniqueFd> openCheckedPidfd(pid_t pid, uint64_t startTime);

int64_t realtimeNowNs();

}  // namespace podkeeper::runtime
