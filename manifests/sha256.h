#pragma once

#include <string>
#include <string_view>

// SHA-256 (FIPS 180-4), so pod identities and spec hashes need no crypto library and stay
// the same in every build, including the clang fuzz tree.
namespace podkeeper::manifests {

std::string sha256Hex(std::string_view data);

}  // namespace podkeeper::manifests
