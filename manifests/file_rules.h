#pragma once

#include <cstddef>
#include <string>

#include "manifests/manifest_set.h"  // FileKind, classifyFileName

// What the directory watcher may read (DESIGN.md 4.1).
namespace podkeeper::manifests {

// A manifest larger than this is refused without being read whole.
constexpr size_t kMaxManifestBytes = 1 << 20;

struct ManifestFileRead {
  std::string contents;
  std::string error;  // empty on success, else "FILE: why" ready to log or print
};

// Reads one regular file of at most kMaxManifestBytes. Larger files are refused from their
// size, and a file that grows past the cap while being read is refused too.
ManifestFileRead readManifestFile(const std::string& path);

}  // namespace podkeeper::manifests
