#pragma once

#include <string>

#include "manifests/pod.h"

// Validation of a decoded, defaulted Pod, as the API server would do it, plus the static-pod
// restrictions of a node agent. Pure functions over the model: each problem goes to the
// Reporter with its field path (e.g. spec.containers[1].ports[0].containerPort).
namespace podkeeper::manifests {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void error(const std::string& field, const std::string& message) = 0;
  virtual void warning(const std::string& field, const std::string& message) = 0;
};

void validateMetadata(const ObjectMeta& meta, Reporter& r);
void validateContainers(const PodSpec& spec, Reporter& r);
void validateVolumes(const PodSpec& spec, Reporter& r);
void validatePodSpec(const PodSpec& spec, Reporter& r);  // pod-level fields only
void validatePodResources(const PodSpec& spec, Reporter& r);

void validateAppArmor(const Pod& pod, Reporter& r);

inline void validatePod(const Pod& pod, Reporter& r) {
  validateMetadata(pod.metadata, r);
  validatePodSpec(pod.spec, r);
  validateVolumes(pod.spec, r);
  validateContainers(pod.spec, r);
  validateAppArmor(pod, r);
}

}  // namespace podkeeper::manifests
