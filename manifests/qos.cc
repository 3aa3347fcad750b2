#include "manifests/qos.h"

#include <algorithm>
#include <vector>

namespace podkeeper::manifests {
namespace {

bool isGuaranteed(const Container& c) {
  const auto& r = c.resources;
  if (!r.limits.cpuMilli || !r.limits.memoryBytes) return false;
  return effectiveRequest(r.requests.cpuMilli, r.limits.cpuMilli) == r.limits.cpuMilli &&
         effectiveRequest(r.requests.memoryBytes, r.limits.memoryBytes) == r.limits.memoryBytes;
}

bool hasAny(const Container& c) {
  const auto& r = c.resources;
  return r.requests.cpuMilli || r.requests.memoryBytes || r.limits.cpuMilli || r.limits.memoryBytes;
}

std::vector<const Container*> allContainers(const PodSpec& spec) {
  std::vector<const Container*> all;
  for (const auto& c : spec.initContainers) all.push_back(&c);
  for (const auto& c : spec.containers) all.push_back(&c);
  return all;
}

}  // namespace

std::optional<int64_t> effectiveRequest(std::optional<int64_t> request,
                                        std::optional<int64_t> limit) {
  return request ? request : limit;
}

const char* toString(QosClass q) {
  switch (q) {
    case QosClass::Guaranteed:
      return "Guaranteed";
    case QosClass::Burstable:
      return "Burstable";
    case QosClass::BestEffort:
      return "BestEffort";
  }
  return "Unknown";
}

QosClass qosClass(const PodSpec& spec) {
  // With pod-level cpu or memory set, the kubelet computes the class from those alone.
  if (const auto& pod = spec.resources;
      pod && (pod->requests.cpuMilli || pod->limits.cpuMilli || pod->requests.memoryBytes ||
              pod->limits.memoryBytes)) {
    const ResourceList& l = pod->limits;
    const bool guaranteed =
        l.cpuMilli && l.memoryBytes &&
        effectiveRequest(pod->requests.cpuMilli, l.cpuMilli) == l.cpuMilli &&
        effectiveRequest(pod->requests.memoryBytes, l.memoryBytes) == l.memoryBytes;
    return guaranteed ? QosClass::Guaranteed : QosClass::Burstable;
  }
  auto all = allContainers(spec);
  if (std::none_of(all.begin(), all.end(), [](auto* c) { return hasAny(*c); }))
    return QosClass::BestEffort;
  if (std::all_of(all.begin(), all.end(), [](auto* c) { return isGuaranteed(*c); }))
    return QosClass::Guaranteed;
  return QosClass::Burstable;
}

}  // namespace podkeeper::manifests
