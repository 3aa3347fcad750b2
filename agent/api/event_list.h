#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "manifests/decode.h"
#include "status/events.h"

namespace podkeeper::api {

// A pod's events as a Kubernetes EventList (core/v1 Event: involvedObject, reason, message,
// type, count, firstTimestamp, lastTimestamp, source), oldest first.
nlohmann::json eventListJson(const manifests::DecodedPod& pod,
                             const std::vector<status::PodEvent>& events,
                             const std::string& nodeName);

}  // namespace podkeeper::api
