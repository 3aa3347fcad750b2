#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "manifests/decode.h"
#include "runtime/container_runtime.h"

// The Pod objects the API serves: the decoded spec as Kubernetes JSON with the identity and
// status the agent adds. Pure builders.
namespace podkeeper::api {

struct PodViewExtras {
  std::string nodeName;                    // spec.nodeName, as the kubelet sets it on static pods
  std::optional<int64_t> deletingSinceNs;  // set: the manifest is gone and the pod is stopping
};

// podToJson(spec) + metadata.uid, the static-pod annotations, spec.nodeName and status.
nlohmann::json podJson(const manifests::DecodedPod& pod, nlohmann::json status,
                       const PodViewExtras& extras = {});

nlohmann::json podListJson(nlohmann::json items);

// A pod whose manifest is gone while its sandbox still stops has no spec left; the observed
// containers stand in for one, so it can still be listed (as Terminating).
manifests::DecodedPod podFromObserved(const runtime::SandboxState& sandbox);

}  // namespace podkeeper::api
