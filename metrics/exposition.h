#pragma once

#include <cstdint>
#include <string>
#include <string_view>

// Prometheus text exposition format 0.0.4, written straight into a reused buffer.
namespace podkeeper::metrics {

inline constexpr std::string_view kExpositionContentType =
    "text/plain; version=0.0.4; charset=utf-8";

// Label values escape backslash, double quote and newline.
void appendLabelValue(std::string& out, std::string_view value);
// HELP text escapes backslash and newline.
void appendHelp(std::string& out, std::string_view help);
// Shortest round-trip decimal; NaN, +Inf and -Inf as Prometheus spells them.
void appendValue(std::string& out, double value);

// "# HELP name help\n# TYPE name type\n"
void appendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type);

// Appends `name="value"` (escaped), preceded by a comma unless first.
void appendLabel(std::string& out, std::string_view name, std::string_view value, bool first);

// "name<labels> value[ timestampMs]\n"; labels is a rendered "{...}" block or empty.
void appendSample(std::string& out, std::string_view name, std::string_view labels, double value);
void appendSample(std::string& out, std::string_view name, std::string_view labels, double value,
                  int64_t timestampMs);

}  // namespace podkeeper::metrics
