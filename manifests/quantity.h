#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Kubernetes resource quantities ("500m", "64Mi", "1e3", "0.5"), parsed exactly as the API
// server does and rounded up as it does when a value is read at a scale.
namespace podkeeper::manifests {

struct ScaledQuantity {
  std::optional<int64_t> value;  // set on success
  std::string error;             // why not, e.g. "is not a valid quantity"
};

// ceil(quantity * 10^scale10): scale 3 gives millicores, scale 0 gives bytes.
ScaledQuantity parseQuantity(std::string_view text, int scale10);

inline ScaledQuantity parseCpuMilli(std::string_view text) { return parseQuantity(text, 3); }
inline ScaledQuantity parseBytes(std::string_view text) { return parseQuantity(text, 0); }

// Canonical text for output: 500 -> "500m", 2000 -> "2"; 67108864 -> "64Mi".
std::string formatCpuMilli(int64_t milli);
std::string formatBytes(int64_t bytes);

}  // namespace podkeeper::manifests
