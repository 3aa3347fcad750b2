#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "image/unpack/layer_unpack.h"

// One unpacked directory per layer, keyed by the layer's chain ID (containerd's overlayfs
// snapshotter): <root>/<chain hex>, shared by every image whose layers chain the same way.
// A snapshot is unpacked into <root>/.staging-* and renamed into place whole, so a snapshot
// directory that exists is complete; staging left by a crash is removed at open.
namespace podkeeper::image {

class SnapshotStore {
 public:
  static Result<SnapshotStore> open(const std::string& root);

  std::string path(const std::string& chainId) const;
  bool has(const std::string& chainId) const;
  // Unpacks the layer blob at blobPath into the snapshot chainId unless it exists. The bytes
  // read must hash to layerDigest (the blob is checked again as it is unpacked) and the
  // uncompressed tar to diffId (the image config's rootfs.diff_ids entry); on a mismatch the
  // snapshot is discarded, never put in place.
  Result<void> unpack(const std::string& chainId, const std::string& blobPath,
                      const std::string& layerDigest, const std::string& diffId,
                      const LowerLayers& lowers = {});
  // The same from a stream read to its end (a pipe fed as the blob downloads).
  Result<void> unpackStream(const std::string& chainId, int layerFd, const std::string& layerDigest,
                            const std::string& diffId, const LowerLayers& lowers = {});
  Result<void> remove(const std::string& chainId);
  // Removes staging directories no live unpack owns (as ContentStore::removeStaleIngest).
  Result<size_t> removeStaleStaging(bool ownToo) const;
  // The chain IDs present.
  Result<std::vector<std::string>> list() const;
  const std::string& root() const { return root_; }

 private:
  explicit SnapshotStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace podkeeper::image
