#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/api/pod_api.h"
#include "manifests/decode.h"
#include "status/pod_reader.h"

// Finds pods in what the reconciler desires and observes and renders them as Pod JSON.
namespace podkeeper::api {

// A pod the agent knows: desired (with its manifest) or only observed (manifest gone,
// still stopping; the spec is rebuilt from the observed containers).
struct KnownPod {
  manifests::DecodedPod pod;
  bool deleting = false;
};

std::optional<KnownPod> findPod(const status::PodReader& r, const std::string& ns,
                                const std::string& name);
std::vector<KnownPod> allPods(const status::PodReader& r);

nlohmann::json podView(const status::PodReader& r, const KnownPod& known,
                       const PodApiOptions& options);

}  // namespace podkeeper::api
