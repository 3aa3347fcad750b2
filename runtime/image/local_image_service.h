#pragma once

#include <string>

#include "runtime/image/image_service.h"

namespace podkeeper::runtime {

// Images unpacked by hand under one directory (--image-dir): <dir>/NAME/TAG/rootfs, with the
// image config beside the rootfs (image_store.h). Nothing is cached: every resolve reads the
// directory as it is now.
class LocalImageService final : public ImageService {
 public:
  explicit LocalImageService(std::string imageDir) : imageDir_(std::move(imageDir)) {}

  Result<ResolvedImage> resolve(const std::string& imageRef) override;

 private:
  std::string imageDir_;
};

}  // namespace podkeeper::runtime
