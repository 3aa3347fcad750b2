#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/error.h"
#include "runtime/cgroup/process_signaller.h"

namespace podkeeper::runtime::cgroup {

// Stops the tasks of a cgroup tree from forking while they are being killed.
struct TreeFreezer {
  std::function<Result<void>()> freeze;  // returns once the tree is frozen (bounded)
  std::function<Result<void>()> thaw;
};

// SIGKILLs every pid in dir's cgroup.procs (recursively), frozen when a freezer is given so
// no child forked meanwhile escapes, until the tree is empty. A freeze that does not complete
// is given up (the kill goes on without it). Bounded to kPollAttempts rounds; fails with
// EBUSY naming what remains. A dir that does not exist is empty.
Result<void> killUntilEmpty(const std::string& dir, const std::optional<TreeFreezer>& freezer,
                            ProcessSignaller& signaller);

// Waits, bounded, until dir's tree has no process left (after cgroup.kill).
Result<void> waitUntilEmpty(const std::string& dir, ProcessSignaller& signaller);

}  // namespace podkeeper::runtime::cgroup
