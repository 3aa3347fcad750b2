#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "image/oci/descriptor.h"
#include "image/oci/media_types.h"

// OCI image manifests and indexes, and their Docker schema 2 twins (manifest, manifest list).
// Pure: parsed from the blob's bytes; errors name the blob's digest and the field.
namespace podkeeper::image {

// containerd's limit on a manifest or index read from anywhere.
inline constexpr size_t kMaxManifestBytes = 4 << 20;
// An image config (history can be long; Entrypoint/Env are small).
inline constexpr size_t kMaxConfigBytes = 8 << 20;

enum class ManifestKind { kManifest, kIndex };

struct Manifest {
  std::string mediaType;  // the manifest's own (kOciManifest or kDockerManifest)
  Descriptor config;
  std::vector<Descriptor> layers;  // base first
};

struct Index {
  std::string mediaType;
  std::vector<Descriptor> manifests;
};

// What the bytes are: their mediaType field, else guessed from the fields present as
// containerd does. `digest` names the blob in errors.
Result<ManifestKind> manifestKind(std::string_view content, const std::string& digest);
Result<Manifest> parseManifest(std::string_view content, const std::string& digest);
Result<Index> parseIndex(std::string_view content, const std::string& digest);

bool isManifestMediaType(std::string_view mediaType);
bool isIndexMediaType(std::string_view mediaType);
// The compression of a layer media type; EINVAL for one that is not a layer this node unpacks.
Result<media::Compression> layerCompression(std::string_view mediaType);

}  // namespace podkeeper::image
