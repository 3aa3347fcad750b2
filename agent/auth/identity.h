#pragma once

#include <string>
#include <vector>

namespace podkeeper::auth {

// Who made a request, as the API server's user.Info: the name, and the groups (every
// authenticated identity is also in system:authenticated).
struct Identity {
  std::string user;
  std::vector<std::string> groups;
};

inline constexpr const char* kAuthenticatedGroup = "system:authenticated";

// The kubelet's subresources of the node (server/auth.go), which the policy grants.
enum class Resource { Metrics, Pods, Log, Exec };

const char* toString(Resource r);

}  // namespace podkeeper::auth
