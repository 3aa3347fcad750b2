#pragma once

#include <cstddef>
#include <map>
#include <string>

#include "manifests/manifest_set.h"  // FileKind, classifyFileName

// What the directory watcher may read (docs/architecture.md#manifest-files).
namespace podkeeper::manifests {

// A manifest larger than this is refused without being read whole.
constexpr size_t kMaxManifestBytes = 1 << 20;

struct ManifestFileRead {
  std::string contents;
  std::string error;  // empty on success, else "FILE: why" ready to log or print
};

// The directory as a whole holds at most this many manifest files and bytes: a directory of
// a million files, or of many files near the cap, cannot exhaust the agent's memory.
constexpr size_t kMaxManifestFiles = 1000;
constexpr size_t kMaxManifestDirBytes = size_t{64} << 20;

// What the manifest files in use hold, against the directory's caps. The watcher asks before
// reading a new file and before using what it read; a file refused is named in the answer.
class ManifestDirBudget {
 public:
  explicit ManifestDirBudget(size_t maxFiles = kMaxManifestFiles,
                             size_t maxBytes = kMaxManifestDirBytes)
      : maxFiles_(maxFiles), maxBytes_(maxBytes) {}

  // "" when path may be read: it is held already, or one more file fits.
  std::string mayRead(const std::string& path) const;
  // "" and path now holds `bytes` (replacing what it held), or "FILE: why" and nothing changes.
  std::string hold(const std::string& path, size_t bytes);
  void release(const std::string& path);
  size_t files() const { return held_.size(); }
  size_t bytes() const { return total_; }

 private:
  size_t maxFiles_, maxBytes_;
  std::map<std::string, size_t> held_;
  size_t total_ = 0;
};

// Reads one regular file of at most kMaxManifestBytes. Larger files are refused from their
// size, and a file that grows past the cap while being read is refused too.
ManifestFileRead readManifestFile(const std::string& path);

}  // namespace podkeeper::manifests
