#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "manifests/pod.h"

// The decoded, defaulted Pod as Kubernetes JSON (apiVersion v1, kind Pod, Kubernetes field
// names; quantities in canonical form). Empty strings, lists and maps and unset optionals are
// left out, as the API server does. specToJson is also the spec hash's canonical encoding
// (identity.h): change its output only with a new hash version.
namespace podkeeper::manifests {

nlohmann::json podToJson(const Pod& pod);
nlohmann::json specToJson(const PodSpec& spec);

// dump() that never throws on bytes that are not UTF-8 (they are replaced).
std::string dumpJson(const nlohmann::json& j, int indent = -1);

}  // namespace podkeeper::manifests
