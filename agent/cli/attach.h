#pragma once

#include <iosfwd>
#include <string>

#include "agent/cli/api_client.h"

namespace podkeeper::cli {

struct AttachOptions {
  ApiEndpoint endpoint;  // --socket (the unix socket only)
  std::string namespace_ = "default";
  std::string name;
  std::string container;  // -c; "" = the pod's default container
};

// `podkeeper attach NAME [-c C]`: through the agent to the container's shim. Output goes to
// stdout and stderr; this process's stdin goes to the container when it has stdin; with tty
// and a terminal here, the terminal is raw and its size follows this one. ctrl-p ctrl-q
// detaches, as docker and kubectl do. Exit 0 when detached or when the container ends, 1 on
// errors (to err).
int runAttach(const AttachOptions& options, std::ostream& err);

}  // namespace podkeeper::cli
