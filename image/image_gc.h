#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "image/store/image_index.h"
#include "image/store/image_store.h"

// Image garbage collection as the kubelet's image GC manager: when the image filesystem is
// used above the high threshold, unused images go, least recently used first, until usage
// would be at the low threshold. Images in use are never removed.
namespace podkeeper::image {

class ImageStore;
class StoreImageService;

struct ImageGcPolicy {
  int highThresholdPercent = 85;
  int lowThresholdPercent = 80;
};

struct FsUsage {
  uint64_t capacityBytes = 0;
  uint64_t availableBytes = 0;
};

// Pure: the references to remove, in order. `inUse` holds normalized references.
std::vector<std::string> planImageGc(const FsUsage& usage, const ImageGcPolicy& policy,
                                     std::vector<ImageRecord> images,
                                     const std::set<std::string>& inUse);

// statfs of the filesystem holding path.
Result<FsUsage> filesystemUsage(const std::string& path);

struct ImageGcResult {
  std::vector<std::string> removed;
  size_t images = 0;       // left in the store
  int64_t storeBytes = 0;  // their blobs' bytes
  SweepResult swept;       // what failed or killed pulls left, removed first
};

// One GC pass over the store (blocks on the disk: run it off the loop): sweeps what failed
// pulls left (ImageStore::sweep), writes the lastUsed times the service gathered, plans on
// statfs of the store and removes what the plan names.
Result<ImageGcResult> collectImageGarbage(ImageStore& store, StoreImageService& service,
                                          const ImageGcPolicy& policy,
                                          const std::set<std::string>& inUse);

}  // namespace podkeeper::image
