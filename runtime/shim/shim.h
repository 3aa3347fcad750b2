#pragma once

#include <string>

// podkeeper-shim: starts one container from its bundle (the container state directory),
// reports on fd 3, relays its output to the CRI log, reaps it and writes exit.json.
namespace podkeeper::runtime::shim {

// Returns the process exit code. Daemonizes: the calling process returns at once (0) and a
// grandchild, outside the caller's session, carries on.
int runShim(const std::string& bundle);

}  // namespace podkeeper::runtime::shim
