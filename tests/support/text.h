#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace podkeeper::support {

// The whole file, or "" when it cannot be read.
std::string readText(const std::string& path);

// The lines of text without their '\n'; a last line without one counts, an empty text has
// none. The views point into text.
std::vector<std::string_view> splitLines(std::string_view text);

}  // namespace podkeeper::support
