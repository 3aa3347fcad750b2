#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

// What the shim tells the agent on its sync pipe (fd 3), one line each:
//   "shim <shimPid>"                   as soon as it has daemonized
//   "ok <shimPid> <containerPid>[ <timeline>]"  the command was exec'd; state.json is written;
//                                      timeline: the shim's stages, "name=ms ..." (optional)
//   "error <message>"                  the container could not be started
// A standby shim (--standby) has a socket on fd 3: it writes "shim <pid>" once it has
// daemonized, then reads the agent's order, "<bundle>\n" with the bundle's locked shim.lock
// attached (SCM_RIGHTS), and goes on as a --bundle shim: "ok" or "error" on the same socket.
namespace podkeeper::runtime {

inline constexpr int kShimSyncFd = 3;
// An fd on <bundle>/shim.lock, locked with flock by the agent before the shim starts. The shim
// inherits it and keeps it for its whole life (the container's init closes it), so the lock
// is held exactly while a shim for the bundle lives, even before it has written state.json:
// an agent killed mid-start finds a starting shim this way.
inline constexpr int kShimLockFd = 4;

// What a standby shim is given on its command line (--standby <cgroup mount root> <mountinfo>
// <shim cgroup> <room>): where the cgroups are and its own, before it knows its container.
struct StandbyConfig {
  std::string cgroupMountRoot;
  std::string cgroupMountinfoPath;
  std::string shimCgroup;
};

struct ShimReport {
  std::optional<pid_t> shimPid;       // from "shim" or "ok"
  std::optional<pid_t> containerPid;  // set on "ok"
  std::optional<std::string> error;   // set on "error" or a malformed line
  std::string timeline;               // the shim's stages from "ok", "" when it sent none
  bool complete() const { return containerPid.has_value() || error.has_value(); }
};

std::string formatShimStarted(pid_t shimPid);
std::string formatShimOk(pid_t shimPid, pid_t containerPid, std::string_view timeline = "");
std::string formatShimError(std::string_view message);

// Parses everything read so far; the last complete lines decide.
ShimReport parseShimReport(std::string_view text);

}  // namespace podkeeper::runtime
