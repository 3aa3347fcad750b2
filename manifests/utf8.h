#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

// Manifests are UTF-8, as the API server requires of every string: a byte that is not part
// of well-formed UTF-8 (RFC 3629: shortest form, no surrogates, at most U+10FFFF) makes the
// manifest invalid, reported with its position, instead of reaching the runtime.
namespace podkeeper::manifests {

// Offset of the first byte of s that is not well-formed UTF-8; nullopt when all of it is.
std::optional<size_t> findInvalidUtf8(std::string_view s);

// "" when s is UTF-8, else why not, e.g. `is not valid UTF-8 (byte 0xe9 at offset 5)`.
std::string checkUtf8(std::string_view s);

}  // namespace podkeeper::manifests
