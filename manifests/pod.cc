#include "manifests/pod.h"

namespace podkeeper::manifests {

const Container* findContainer(const PodSpec& spec, const std::string& name) {
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

std::string podHostname(const Pod& pod) {
  if (pod.spec.hostnameOverride) return *pod.spec.hostnameOverride;
  return pod.spec.hostname.empty() ? pod.metadata.name : pod.spec.hostname;
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
