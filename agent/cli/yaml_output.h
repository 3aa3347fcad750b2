#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace podkeeper::cli {

// JSON as block YAML (-o yaml). Strings that YAML would read back as another type (numbers,
// booleans, null, empty) are quoted, so the document round-trips.
std::string toYaml(const nlohmann::json& value);

}  // namespace podkeeper::cli
