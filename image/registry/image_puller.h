#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "common/error.h"
#include "common/image_reference.h"
#include "image/oci/descriptor.h"
#include "image/registry/registry_client.h"
#include "image/store/image_store.h"

// A pull: the reference's manifest (an index or manifest list picks this node's platform),
// then the config, then every layer the store lacks, streamed from the registry into the
// content store's verifying writers (digest and size checked at commit) and, on the same
// bytes as they arrive, unpacked into the layer's snapshot (compressed digest and diff ID
// checked before the snapshot is put in place); layers in parallel up to a bound. Last
// ImageStore::addImage records the reference. A failure at
// any point leaves no image behind: blobs not committed are dropped with their writer, and the
// reference is recorded only at the end. Blocking: the agent runs it on BackgroundWork.
namespace podkeeper::image::registry {

struct PullProgress {
  std::string digest;  // the blob
  int64_t done = 0;
  int64_t total = 0;
};

struct PullOptions {
  int parallelLayers = 3;  // containerd's default max concurrent downloads
  // Free bytes where blobs are written; a blob larger than this is refused before it is
  // written. Default: statvfs of the content store's root.
  std::function<Result<uint64_t>(const std::string& dir)> freeBytes = {};
  // Called from the downloading threads (serialized by the puller) as bytes arrive.
  std::function<void(const PullProgress&)> progress = {};
};

struct PullResult {
  StoredImage image;
  int64_t sizeBytes = 0;        // the image's config and layers
  int64_t downloadedBytes = 0;  // what this pull fetched (0 when every blob was there)
};

// A layer of the image being pulled: its blob, and the snapshot its diff ID chains to.
struct LayerPlan {
  Descriptor blob;
  std::string chainId;
  std::string diffId;
  bool base = false;  // the first layer: nothing below it to wait for
};

class ImagePuller {
 public:
  ImagePuller(RegistryClient& registry, ImageStore& store, Platform platform = hostPlatform())
      : registry_(registry), store_(store), platform_(std::move(platform)) {}
  Result<PullResult> pull(const ImageReference& ref, const PullOptions& options = {});

 private:
  Result<std::string> storeManifest(const ImageReference& ref, const std::string& reference,
                                    const std::string& expectDigest, std::string& body,
                                    std::string& mediaType);
  Result<int64_t> fetchLayers(const ImageReference& ref, const std::vector<LayerPlan>& layers,
                              const PullOptions& options, std::mutex& progressMu);
  Result<void> fetchBlob(const ImageReference& ref, const Descriptor& d, const PullOptions& options,
                         std::mutex& progressMu, const LayerPlan* layer);

  RegistryClient& registry_;
  ImageStore& store_;
  Platform platform_;
};

// Free bytes for an unprivileged writer on the filesystem of `dir` (statvfs f_bavail).
Result<uint64_t> freeBytesAt(const std::string& dir);

// A short label of why a pull failed, for podkeeper_image_pull_errors_total{reason}:
// not_found, unauthorized, digest_mismatch, too_large, no_space, timeout, network, tls, other.
std::string pullErrorReason(const Error& e);

}  // namespace podkeeper::image::registry
