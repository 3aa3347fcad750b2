#pragma once

#include <cstdint>
#include <optional>
#include <string>

// Times as kubectl shows them.
namespace podkeeper::cli {

// k8s.io/apimachinery duration.HumanDuration: "45s", "119s", "5m30s", "15m", "3h20m", "9h",
// "2d3h", "30d", "2y10d"; "<invalid>" for more than a second in the future.
std::string humanDuration(int64_t seconds);

// Parses RFC 3339 ("2024-05-01T12:00:00Z", fractions and offsets allowed) to Unix ns.
std::optional<int64_t> parseRfc3339(const std::string& text);

// HumanDuration of now - timestamp, or "<unknown>" when the timestamp is missing or bad.
std::string ageOf(const std::string& timestamp, int64_t nowNs);

// "Mon, 01 Jan 2024 12:00:00 +0000", as kubectl describe prints times (in UTC here).
std::string describeTime(const std::string& timestamp);

}  // namespace podkeeper::cli
