#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/error.h"
#include "common/image_reference.h"
#include "image/oci/descriptor.h"
#include "image/oci/image_config.h"
#include "image/oci/platform.h"
#include "image/store/content_store.h"
#include "image/store/file_lock.h"
#include "image/store/image_index.h"
#include "image/store/snapshots.h"

// The image store under one root (<image-dir>/.store):
//   content/blobs/sha256/<hex>   blobs (ContentStore); content/ingest/ blobs being written
//   snapshots/<chain hex>/       one unpacked layer per chain ID (SnapshotStore)
//   images.json                  reference -> manifest digest (ImageRecord), written whole
//   gc.lock, index.lock          flock(2): adds share gc.lock, removals hold it alone;
//                                index.lock serializes read-modify-write of images.json
// An image is in images.json only after all its snapshots are in place, and it leaves
// images.json before any of them is removed: a crash leaves the old state or the new one.
// Thread-safe and safe between processes (the agent and `podkeeper image`).
namespace podkeeper::image {

struct StoredImage {
  ImageRecord record;
  std::string manifestDigest;  // the image manifest (the platform's, when record names an index)
  std::string configDigest;
  ImageConfig config;
  std::vector<Descriptor> layers;     // base first
  std::vector<std::string> chainIds;  // base first, one per layer
  std::vector<std::string> blobs;     // every blob the image uses (index, manifest, config, layers)
};

struct SweepResult {
  size_t blobs = 0;      // blobs no image uses
  size_t snapshots = 0;  // snapshots no image uses
  size_t partial = 0;    // ingest files and staging directories of writers that are gone
};

struct RemoveResult {
  std::vector<std::string> removedImages;
  size_t removedSnapshots = 0;
  size_t removedBlobs = 0;
};

class ImageStore {
 public:
  // Creates the layout; removes what a crash left in ingest/ and snapshot staging.
  static Result<std::unique_ptr<ImageStore>> open(const std::string& root, const Clock& clock,
                                                  Platform platform = hostPlatform());

  ContentStore& content() { return content_; }
  const ContentStore& content() const { return content_; }
  const SnapshotStore& snapshots() const { return snapshots_; }
  const std::string& root() const { return root_; }

  // After every blob of an image is in the content store: parses the manifest (an index
  // selects this node's platform) and config, unpacks each missing layer into its snapshot,
  // then records ref -> manifestDigest atomically. A reference with a digest must name it.
  Result<StoredImage> addImage(const ImageReference& ref, const std::string& manifestDigest);
  // Unpacks one layer into the snapshot chainId unless it exists, from its blob or from a
  // stream read to its end (a pull's download): both digests are checked on the bytes read
  // (layer.digest compressed, diffId uncompressed) before the snapshot is put in place.
  // Shares gc.lock like addImage, so removals wait. `lowers` as applyLayer takes them: a
  // layer unpacked before its lowers fails with EAGAIN when it needs them, and addImage (which
  // goes base first) unpacks it then.
  Result<void> unpackLayer(const std::string& chainId, const Descriptor& layer,
                           const std::string& diffId, const LowerLayers& lowers = {});
  Result<void> unpackLayerStream(const std::string& chainId, int layerFd, const Descriptor& layer,
                                 const std::string& diffId, const LowerLayers& lowers = {});
  // Held by a pull from its first blob to addImage: removals and sweeps (exclusive gc.lock)
  // wait, so what the pull has written but not yet recorded is not taken for an orphan.
  Result<FileLock> lease() const;
  // The image a normalized reference names; nullopt when the store has no such reference.
  Result<std::optional<StoredImage>> find(const std::string& normalizedRef) const;
  Result<std::vector<ImageRecord>> list() const;
  // The manifest, config and layers of a record, with a check that its snapshots exist.
  Result<StoredImage> load(const ImageRecord& record) const;
  // Sets lastUsed of the references named (normalized -> unix seconds); others are unknown.
  Result<void> markUsed(const std::map<std::string, int64_t>& lastUsed);
  // Removes references, then the snapshots and blobs no remaining image uses.
  Result<RemoveResult> remove(const std::vector<std::string>& normalizedRefs);
  // Removes what failed or killed pulls and imports left: blobs and snapshots no recorded image
  // uses, and half-written ones whose process is gone. Holds gc.lock alone, so it waits for
  // pulls (they hold a lease) and what they wrote but not yet recorded is never swept. When an
  // image cannot be read, nothing but the half-written is removed.
  Result<SweepResult> sweep();
  // The overlay lower directories of an image, top layer first.
  std::vector<std::string> lowerDirs(const StoredImage& image) const;

 private:
  ImageStore(std::string root, ContentStore content, SnapshotStore snapshots, const Clock& clock,
             Platform platform);
  Result<StoredImage> resolveManifest(const std::string& digest) const;
  Result<std::vector<ImageRecord>> readIndex() const;
  Result<void> writeIndex(const std::vector<ImageRecord>& images) const;

  std::string root_;
  ContentStore content_;
  SnapshotStore snapshots_;
  const Clock& clock_;
  Platform platform_;
};

}  // namespace podkeeper::image
