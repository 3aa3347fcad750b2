#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "image/oci/descriptor.h"

// Choosing the manifest of an index for this node, as containerd's platforms.Only matcher:
// os linux, the architecture normalized (x86_64 -> amd64, aarch64 -> arm64), and variants
// compatible downwards (arm v7 runs v6 and v5; arm64 "" is v8). Pure.
namespace podkeeper::image {

// linux/<arch>[/<variant>] of the machine this runs on (uname), normalized.
Platform hostPlatform();
// Normalizes what an index says ("x86_64" -> "amd64", arm64 "v8" -> "", "aarch64" -> "arm64").
Platform normalizePlatform(Platform p);
// The index entry this platform runs best: an exact variant first, then older compatible
// variants; among equals the first in the index. Entries with no platform match nothing
// (containerd treats them as unknown) unless the index has only one entry.
std::optional<size_t> selectManifest(const std::vector<Descriptor>& manifests,
                                     const Platform& want);
std::string platformString(const Platform& p);

}  // namespace podkeeper::image
