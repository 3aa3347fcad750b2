#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// The image index: which reference names which manifest, as one JSON file written whole
// (images.json). Pure encoding; the store reads and writes the file.
namespace podkeeper::image {

struct ImageRecord {
  std::string reference;       // normalized ("docker.io/library/busybox:latest")
  std::string manifestDigest;  // what the reference resolved to (may be an index)
  int64_t created = 0;         // unix seconds
  int64_t lastUsed = 0;        // unix seconds; resolve() marks it
  int64_t size = 0;            // bytes of its blobs
  bool operator==(const ImageRecord&) const = default;
};

std::string encodeImageIndex(const std::vector<ImageRecord>& images);
// `path` names the file in errors.
Result<std::vector<ImageRecord>> decodeImageIndex(std::string_view json, const std::string& path);

}  // namespace podkeeper::image
