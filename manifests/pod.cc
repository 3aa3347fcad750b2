#include "manifests/pod.h"

namespace podkeeper::manifests {

const Container* findContainer(const PodSpec& spec, const std::string& name) {
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

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
