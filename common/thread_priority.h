#pragma once

#include "common/error.h"

// The agent's loop thread (HTTP, probes, timers, every reconcile's planning) runs a few nice
// levels above the rest of the process. During a burst of starts the two cores are shared by
// the runtime workers, the shims they spawn and the new containers; at the same priority the
// loop waited for a core longer than it ran, and every health check and the next pod's
// dispatch waited with it. Whatever the loop thread forks or creates goes back to the
// process's own priority first: a container, a probe's command or a worker never inherits the
// loop's.
namespace podkeeper {

// Raises the calling thread `levels` nice levels above the process's nice (read at the first
// call and kept as the base), at most to -20. Returns the nice value set; fails (EPERM: no
// CAP_SYS_NICE) leaving the thread as it was.
Result<int> raiseThisThreadPriority(int levels);

// Puts the calling thread back at the base nice (nothing while no thread was raised).
// Async-signal-safe: for a child just forked from a raised thread, before it execs.
void resetThisThreadPriority() noexcept;

}  // namespace podkeeper
