#include "manifests/pod.h"

namespace podkeeper::manifests {

const Container* findContainer(const PodSpec& spec, const std::string& name) {
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

std::optional<DownwardAPIVolumeSource> downwardAPIFiles(const Volume& v) {
  if (v.downwardAPI) return v.downwardAPI;
  if (!v.projected) return std::nullopt;
  DownwardAPIVolumeSource out;
  out.defaultMode = v.projected->defaultMode;
  for (const auto& source : v.projected->sources)
    if (source.downwardAPI)
      out.items.insert(out.items.end(), source.downwardAPI->items.begin(),
                       source.downwardAPI->items.end());
  return out;
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
