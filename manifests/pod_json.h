#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/json_text.h"  // dumpJson, how this JSON is written
#include "manifests/pod.h"

// The decoded, defaulted Pod as Kubernetes JSON (apiVersion v1, kind Pod, Kubernetes field
// names; quantities in canonical form). Empty strings, lists and maps and unset optionals are
// left out, as the API server does. specToJson is also the spec hash's canonical encoding
// (identity.h): change its output only with a new hash version.
namespace podkeeper::manifests {

nlohmann::json podToJson(const Pod& pod);
nlohmann::json specToJson(const PodSpec& spec);

}  // namespace podkeeper::manifests
