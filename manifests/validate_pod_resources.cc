#include <algorithm>

#include "manifests/qos.h"
#include "manifests/quantity.h"
#include "manifests/validate.h"
#include "manifests/validate_common.h"

// Pod-level resources (spec.resources) as the API server validates them: cpu and memory only,
// requests not above limits, not below what the containers request together, and limits not
// below any container's limit.
namespace podkeeper::manifests {
namespace {

using Get = std::optional<int64_t> (*)(const ResourceRequirements&);

// The containers' aggregate request: regular containers and sidecars together, or an init
// container with the sidecars started before it when that is larger.
int64_t aggregateRequest(const PodSpec& spec, Get get) {
  int64_t sidecars = 0, initPeak = 0, regular = 0;
  for (const auto& c : spec.initContainers) {
    const int64_t v = get(c.resources).value_or(0);
    if (isSidecar(c)) {
      sidecars += v;
    } else {
      initPeak = std::max(initPeak, sidecars + v);
    }
  }
  for (const auto& c : spec.containers) regular += get(c.resources).value_or(0);
  return std::max(initPeak, regular + sidecars);
}

void checkResource(const PodSpec& spec, const char* name, Get request, Get limit,
                   std::string (*format)(int64_t), Reporter& r) {
  const ResourceRequirements& pod = *spec.resources;
  const auto podRequest = request(pod), podLimit = limit(pod);
  const std::string requests = std::string("spec.resources.requests.") + name;
  const std::string limits = std::string("spec.resources.limits.") + name;
  if (podRequest && podLimit && *podRequest > *podLimit)
    r.error(requests, quote(format(*podRequest)) + " must be less than or equal to " + name +
                          " limit of " + quote(format(*podLimit)));
  if (podRequest) {
    const int64_t aggregate = aggregateRequest(spec, request);
    if (*podRequest < aggregate)
      r.error(requests, quote(format(*podRequest)) +
                            " must be greater than or equal to aggregate container requests of " +
                            quote(format(aggregate)));
  }
  if (!podLimit) return;
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list)
      if (auto l = limit(c.resources); l && *l > *podLimit)
        r.error(limits, quote(format(*podLimit)) +
                            " must be greater than or equal to the limit of container " +
                            quote(c.name) + " (" + quote(format(*l)) + ")");
}

}  // namespace

void validatePodResources(const PodSpec& spec, Reporter& r) {
  if (!spec.resources) return;
  const ResourceRequirements& pod = *spec.resources;
  // A request defaulted from its limit is reported once, at the limit.
  const std::string unsupported = "is not supported at pod level (only cpu and memory are)";
  if (pod.limits.ephemeralStorageBytes)
    r.error("spec.resources.limits.ephemeral-storage", unsupported);
  else if (pod.requests.ephemeralStorageBytes)
    r.error("spec.resources.requests.ephemeral-storage", unsupported);
  for (const auto& [name, value] : pod.limits.extended)
    r.error("spec.resources.limits." + name, unsupported);
  for (const auto& [name, value] : pod.requests.extended)
    if (!pod.limits.extended.contains(name))
      r.error("spec.resources.requests." + name, unsupported);
  checkResource(
      spec, "cpu", [](const ResourceRequirements& x) { return x.requests.cpuMilli; },
      [](const ResourceRequirements& x) { return x.limits.cpuMilli; }, formatCpuMilli, r);
  checkResource(
      spec, "memory", [](const ResourceRequirements& x) { return x.requests.memoryBytes; },
      [](const ResourceRequirements& x) { return x.limits.memoryBytes; }, formatBytes, r);
}

}  // namespace podkeeper::manifests
