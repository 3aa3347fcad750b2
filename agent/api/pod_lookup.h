#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agent/api/pod_api.h"
#include "manifests/decode.h"
#include "reconciler/reconciler.h"

// Finds pods in the reconciler's state and renders them as Pod JSON.
namespace podkeeper::api {

// A pod the agent knows: desired (with its manifest) or only observed (manifest gone,
// still stopping; the spec is rebuilt from the observed containers).
struct KnownPod {
  manifests::DecodedPod pod;
  bool deleting = false;
};

std::optional<KnownPod> findPod(const reconciler::Reconciler& r, const std::string& ns,
                                const std::string& name);
std::vector<KnownPod> allPods(const reconciler::Reconciler& r);

nlohmann::json podView(const reconciler::Reconciler& r, const KnownPod& known,
                       const PodApiOptions& options);

}  // namespace podkeeper::api
