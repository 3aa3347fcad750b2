#pragma once

#include <string>

#include "runtime/bundle/shim_protocol.h"

// podkeeper-shim: starts one container from its bundle (the container state directory),
// reports on fd 3, relays its output to the CRI log, reaps it and writes exit.json.
namespace podkeeper::runtime::shim {

// Returns the process exit code. Daemonizes: the calling process returns at once (0) and a
// grandchild, outside the caller's session, carries on.
int runShim(const std::string& bundle);

// A shim started ahead of need (ShimStandby, runtime/bundle/shim_launcher.h): daemonizes into the
// shims' cgroup as runShim does, reports "shim <pid>", then waits on fd 3 (a socket) for the
// agent's order, a bundle with its locked shim.lock, and carries on as runShim for it. Exits 0 when
// the agent closes its end first.
// argc/argv: its command line, rewritten to `podkeeper-shim --bundle <bundle>` once it has its
// container (in the space the arguments took: the agent pads them), as `ps` shows a shim.
int runStandby(const StandbyConfig& standby, int argc, char** argv);

}  // namespace podkeeper::runtime::shim
