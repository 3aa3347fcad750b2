#include <sys/prctl.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/shim/join.h"
#include "runtime/shim/pid_reaper.h"
#include "runtime/shim/shim.h"

namespace {

int usage() {
  std::fprintf(
      stderr,
      "usage: podkeeper-shim --bundle <container state dir>\n"
      "       podkeeper-shim --pid-reaper <pod namespace dir>\n"
      "       podkeeper-shim --standby <cgroup mount root> <mountinfo> <shim cgroup> <room>\n"
      "       podkeeper-shim --join   (plan on fd 3; see runtime/exec/join_plan.h)\n");
  return 2;
}

}  // namespace

// Started by the agent from a sealed copy of this binary (runtime/sys/sealed_binary.h): one per
// container (--bundle, sync pipe on fd 3; or --standby, started ahead and handed its bundle
// on the socket on fd 3), the init of a pod's shared pid namespace
// (--pid-reaper), or a command run in a running container (--join).
int main(int argc, char** argv) {
  // Every mode has a process inside a container's namespaces (the container's init before its
  // exec, the reaper, the joined command before its exec): none of them may be ptraced or
  // have its memory read by the container. Inherited by every child.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (argc == 2 && std::strcmp(argv[1], "--join") == 0)
    return podkeeper::runtime::shim::runJoiner();
  if (argc == 6 && std::strcmp(argv[1], "--standby") == 0)
    return podkeeper::runtime::shim::runStandby({argv[2], argv[3], argv[4]}, argc, argv);
  if (argc != 3 || argv[2][0] == '\0') return usage();
  if (std::strcmp(argv[1], "--bundle") == 0) return podkeeper::runtime::shim::runShim(argv[2]);
  if (std::strcmp(argv[1], "--pid-reaper") == 0) {
    return podkeeper::runtime::shim::runPidReaper(argv[2]);
  }
  return usage();
}
