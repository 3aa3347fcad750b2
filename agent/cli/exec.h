#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "agent/cli/api_client.h"

namespace podkeeper::cli {

struct ExecOptions {
  ApiEndpoint endpoint;  // --socket, or --server with credentials
  std::string namespace_ = "default";
  std::string name;
  std::string container;             // -c; "" = the pod's default container
  std::vector<std::string> command;  // after --
};

// `podkeeper exec NAME [-c C] -- CMD...`: asks the agent (unix socket) where the container
// runs, then joins it from this process with this process's stdin, stdout and stderr. The
// exit status is the command's; 127 when it is not found, 126 when it cannot be run, 1 when
// the pod or a running container is not there. Messages go to err.
int runExec(const ExecOptions& options, std::ostream& err);

}  // namespace podkeeper::cli
