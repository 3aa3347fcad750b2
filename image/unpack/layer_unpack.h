#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

// Applying one image layer (a tar, plain, gzip or zstd: libarchive detects which) into an
// empty directory that becomes its overlayfs snapshot. No entry can write outside that
// directory: names with ".." or absolute names are refused, parents are opened with
// openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) so a symlink planted by an earlier entry is
// never followed, files are created with O_NOFOLLOW, hard links resolve their source the
// same way. OCI whiteouts become overlay ones (".wh.NAME" -> a 0/0 char device,
// ".wh..wh..opq" -> trusted.overlay.opaque=y). Ownership, modes (setuid included), device
// nodes, xattrs and mtimes are kept, as containerd keeps them.
namespace podkeeper::image {

struct LayerUnpackStats {
  std::string digest;  // sha256 of the bytes read (the compressed blob)
  std::string diffId;  // sha256 of the uncompressed tar stream (the config's rootfs.diff_ids)
  uint64_t entries = 0;
  uint64_t bytes = 0;  // file data written
};

// The layers below the one applied, for the parent directories it does not list: containerd
// (1.7+) makes such a directory with the mode, owner and times of the first lower layer that
// has it, else 0755 root.
struct LowerLayers {
  bool known = true;                // false: the lowers may not be unpacked yet
  std::vector<std::string> dirs{};  // their snapshot directories, top first
};

// Reads the layer from layerFd to its end and applies it into the directory targetDirFd.
// `layerDigest` names the layer in errors ("layer sha256:...: entry a/b: ..."). Stops at the
// first refused entry; the caller removes the half-applied directory. A layer that needs a
// parent it does not list while its lowers are not known fails with EAGAIN (apply it again
// once they are).
Result<LayerUnpackStats> applyLayer(int layerFd, int targetDirFd, const std::string& layerDigest,
                                    const LowerLayers& lowers = {});

}  // namespace podkeeper::image
