#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "manifests/pod.h"
#include "manifests/validate.h"

// Small checks shared by the validators.
namespace podkeeper::manifests {

inline std::string quote(const std::string& v) { return "\"" + v + "\""; }
inline std::string at(const std::string& field, size_t i) {
  return field + "[" + std::to_string(i) + "]";
}

// A user or group id: 0 to 2^31-1, as the API server allows.
void checkId(std::optional<int64_t> id, const std::string& field, Reporter& r);
void checkSeccomp(const std::optional<SeccompProfile>& p, const std::string& field, Reporter& r);
// A fieldRef of the downward API; volumes allow fewer paths than env.
void checkFieldRef(const ObjectFieldSelector& f, bool inVolume, const std::string& field,
                   Reporter& r);
void checkResourceFieldRef(const ResourceFieldSelector& f, const PodSpec& spec,
                           bool containerRequired, const std::string& field, Reporter& r);

}  // namespace podkeeper::manifests
