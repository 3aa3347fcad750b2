#include "agent/auth/identity.h"

namespace podkeeper::auth {

const char* toString(Resource r) {
  switch (r) {
    case Resource::Metrics:
      return "metrics";
    case Resource::Pods:
      return "pods";
    case Resource::Log:
      return "log";
    case Resource::Exec:
      return "exec";
  }
  return "?";
}

}  // namespace podkeeper::auth
