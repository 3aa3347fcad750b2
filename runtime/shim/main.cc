#include <cstdio>
#include <cstring>
#include <string>

#include "runtime/shim/shim.h"

// podkeeper-shim --bundle <container state dir>; started by the agent with its sync pipe on fd 3.
int main(int argc, char** argv) {
  std::string bundle;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--bundle") == 0 && i + 1 < argc) {
      bundle = argv[++i];
    } else {
      std::fprintf(stderr, "usage: podkeeper-shim --bundle <container state dir>\n");
      return 2;
    }
  }
  if (bundle.empty()) {
    std::fprintf(stderr, "usage: podkeeper-shim --bundle <container state dir>\n");
    return 2;
  }
  return podkeeper::runtime::shim::runShim(bundle);
}
