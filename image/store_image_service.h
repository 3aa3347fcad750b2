#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "image/store/image_store.h"
#include "runtime/image/image_service.h"

// The agent's ImageService: a directory image (<image-dir>/NAME/TAG/rootfs with an optional
// OCI image config config.json beside it) first, as before the store existed, so air-gapped
// nodes and tests keep working and a hand-made directory wins; then the image store by the
// reference normalized as containerd normalizes it.
namespace podkeeper::image {

class StoreImageService final : public runtime::ImageService {
 public:
  StoreImageService(std::string imageDir, ImageStore& store, const Clock& clock)
      : imageDir_(std::move(imageDir)), store_(store), clock_(clock) {}

  // Reads files and small blobs (the index, manifest and config), as the directory service
  // reads /etc/passwd; marks the image used in memory (written by flushLastUsed).
  Result<runtime::ResolvedImage> resolve(const std::string& imageRef) override;

  // Writes the lastUsed times gathered by resolve into the store's index (off the loop: the
  // image GC does it before it ranks images).
  Result<void> flushLastUsed();

 private:
  Result<runtime::ResolvedImage> resolveDirectory(const std::string& rootfs,
                                                  const std::string& imageRef);
  std::string imageDir_;
  ImageStore& store_;
  const Clock& clock_;
  std::mutex mutex_;
  std::map<std::string, int64_t> used_;  // normalized reference -> unix seconds
};

// What a start needs of a stored image: layers top first, config, passwd and group read from
// the top-most layer that has them.
Result<runtime::ResolvedImage> resolvedFromStore(const ImageStore& store, const StoredImage& image);

}  // namespace podkeeper::image
