#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace podkeeper::api {

// Reads what `podkeeper exec` needs to join a running container: (uid, container) -> JSON.
using ExecTargetLoader =
    std::function<Result<nlohmann::json>(const std::string& uid, const std::string& container)>;

}  // namespace podkeeper::api
