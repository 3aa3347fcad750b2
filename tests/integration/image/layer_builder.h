#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/oci/descriptor.h"

// Builds layer tarballs in memory with libarchive's writer, entry by entry, so a test can
// write what no honest tool would (".." names, links out of the tree).
namespace podkeeper::image::testing {

struct TarEntry {
  enum Type { kFile, kDir, kSymlink, kHardlink, kCharDev };
  Type type = kFile;
  std::string name{};
  std::string data{};    // file contents
  std::string target{};  // symlink or hard link target
  unsigned mode = 0644;
  int64_t uid = 0, gid = 0;
  unsigned major = 0, minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs{};
};

enum class LayerCompression { kNone, kGzip, kZstd };

std::string buildTar(const std::vector<TarEntry>& entries,
                     LayerCompression compression = LayerCompression::kNone);

}  // namespace podkeeper::image::testing
