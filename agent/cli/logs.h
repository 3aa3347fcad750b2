#pragma once

#include <atomic>
#include <iosfwd>
#include <string>
#include <vector>

#include "agent/cli/api_client.h"

namespace podkeeper::cli {

struct LogsOptions {
  ApiEndpoint endpoint;  // --socket, or --server with credentials
  std::string namespace_ = "default";
  std::string name;
  std::string container;  // -c; "" = the pod's default container
  bool follow = false;    // -f
  bool previous = false;  // --previous: the instance before the current one
  long tail = -1;         // --tail; -1 = everything
};

// `podkeeper logs`: reads the CRI files the agent names and prints plain text lines. With
// follow it keeps printing, across rotations and restarts, until the pod goes away or stop
// is set (e.g. by a SIGINT handler; the default SIGINT action simply ends the process).
int runLogs(const LogsOptions& options, std::ostream& out, std::ostream& err,
            const std::atomic<bool>* stop = nullptr);

}  // namespace podkeeper::cli
