#pragma once

#include <string>

#include "manifests/decode.h"

// Small builders for decoded pods, so tests state only what matters to them.
namespace podkeeper::reconciler::testing {

inline manifests::Container container(const std::string& name,
                                      std::optional<int64_t> cpuReq = std::nullopt,
                                      std::optional<int64_t> cpuLim = std::nullopt,
                                      std::optional<int64_t> memReq = std::nullopt,
                                      std::optional<int64_t> memLim = std::nullopt) {
  manifests::Container c;
  c.name = name;
  c.image = "busybox";
  c.command = {"sleep", "3600"};
  c.resources.requests.cpuMilli = cpuReq;
  c.resources.limits.cpuMilli = cpuLim;
  c.resources.requests.memoryBytes = memReq;
  c.resources.limits.memoryBytes = memLim;
  return c;
}

inline manifests::DecodedPod pod(const std::string& name, std::vector<manifests::Container> cs,
                                 const std::string& hash = "h1") {
  manifests::DecodedPod p;
  p.pod.metadata.name = name;
  p.pod.metadata.namespace_ = "default";
  p.pod.spec.containers = std::move(cs);
  p.uid = "uid-" + name;
  p.specHash = hash;
  return p;
}

}  // namespace podkeeper::reconciler::testing
