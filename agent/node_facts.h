#pragma once

#include <string>

namespace podkeeper::agent {

// The node's name (hostname) and address for the downward API and pod status.
struct NodeIdentity {
  std::string name;
  std::string hostIP;  // first non-loopback IPv4 address that is up; 127.0.0.1 when none
};

NodeIdentity readNodeIdentity();

}  // namespace podkeeper::agent
