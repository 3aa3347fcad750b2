#include "manifests/pod.h"

namespace podkeeper::manifests {

const char* toString(RestartPolicy p) {
  switch (p) {
    case RestartPolicy::Always:
      return "Always";
    case RestartPolicy::OnFailure:
      return "OnFailure";
    case RestartPolicy::Never:
      return "Never";
  }
  return "Always";
}

}  // namespace podkeeper::manifests
