#pragma once

#include <chrono>
#include <functional>

// Bounded waits for the kernel to catch up (a cgroup emptying, a shim exiting). Real time:
// used on runtime paths only, never in unit tests.
namespace podkeeper::runtime {

// True once fd is readable (a pidfd: the process exited), false on timeout.
bool waitReadable(int fd, std::chrono::milliseconds timeout);

// Polls done() every 10 ms until it returns true or the timeout passes; returns its last value.
bool waitFor(std::chrono::milliseconds timeout, const std::function<bool()>& done);

}  // namespace podkeeper::runtime
