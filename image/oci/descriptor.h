#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

// An OCI content descriptor: what a manifest, an index or a config names of another blob.
namespace podkeeper::image {

struct Platform {
  std::string os;            // "linux"
  std::string architecture;  // GOARCH: "amd64", "arm64", "arm", ...
  std::string variant;       // "v7", "v8", or ""
  bool operator==(const Platform&) const = default;
};

struct Descriptor {
  std::string mediaType;
  std::string digest;  // "sha256:<hex>"
  int64_t size = 0;
  bool hasPlatform = false;  // index entries only
  Platform platform{};
  std::map<std::string, std::string> annotations{};
  bool operator==(const Descriptor&) const = default;
};

}  // namespace podkeeper::image
