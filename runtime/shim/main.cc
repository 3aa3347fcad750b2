#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/shim/pid_reaper.h"
#include "runtime/shim/shim.h"

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: podkeeper-shim --bundle <container state dir>\n"
               "       podkeeper-shim --pid-reaper <pod namespace dir>\n");
  return 2;
}

}  // namespace

// Started by the agent with its sync pipe on fd 3: one per container (--bundle), or the init
// of a pod's shared pid namespace (--pid-reaper).
int main(int argc, char** argv) {
  if (argc != 3 || argv[2][0] == '\0') return usage();
  if (std::strcmp(argv[1], "--bundle") == 0) return podkeeper::runtime::shim::runShim(argv[2]);
  if (std::strcmp(argv[1], "--pid-reaper") == 0) {
    return podkeeper::runtime::shim::runPidReaper(argv[2]);
  }
  return usage();
}
