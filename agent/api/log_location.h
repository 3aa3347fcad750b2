#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "agent/api/pod_lookup.h"
#include "common/error.h"

namespace podkeeper::api {

// Which CRI log file holds a container's output (the current instance, or with previous the
// one before it), with kubectl's wording when there is none.
struct LogRequest {
  std::string container;  // "" = the default container
  bool previous = false;
};

// {"path", "container", "restartCount", "running"}; the error message is for a 400 answer.
Result<nlohmann::json> logLocation(const status::PodReader& r, const KnownPod& known,
                                   const LogRequest& request, const std::string& logDir);

}  // namespace podkeeper::api
