#pragma once

#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/image/image_service.h"

namespace podkeeper::reconciler::testing {

// Images in memory: those a test puts in `images` resolve, any other is not on the node (code
// ENOENT, as LocalImageService fails). "busybox" is there from the start, run as root.
class FakeImageService : public runtime::ImageService {
 public:
  std::map<std::string, runtime::ResolvedImage> images = {
      {"busybox", {{"/images/busybox/latest/rootfs"}, "", {}, {}}}};
  std::vector<std::string> resolved;  // every reference asked for, in order
  std::optional<Error> failure;       // set: every resolve fails with it

  Result<runtime::ResolvedImage> resolve(const std::string& imageRef) override {
    resolved.push_back(imageRef);
    if (failure) return fail(*failure);
    auto it = images.find(imageRef);
    if (it == images.end()) return fail(Error{ENOENT, "image \"" + imageRef + "\" not found"});
    return it->second;
  }
};

}  // namespace podkeeper::reconciler::testing
