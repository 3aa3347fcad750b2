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

// Writes text to path through a temporary file and a rename, so a reader (an agent watching
// the file) sees the old content or the new, never half of it.
void writeTextAtomically(const std::string& path, const std::string& text);

}  // namespace podkeeper::support
