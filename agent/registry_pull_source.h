#pragma once

#include <string>

#include "common/background_work.h"
#include "image/registry/image_puller.h"
#include "reconciler/image_pulls.h"

// The agent's pulls: the reconciler's ImagePullSource over the registry client and the image
// store. A pull runs on BackgroundWork (never on the loop) and its result is posted back.
namespace podkeeper::agent {

class RegistryPullSource final : public reconciler::ImagePullSource {
 public:
  RegistryPullSource(BackgroundWork& work, image::registry::ImagePuller& puller,
                     std::string imageDir)
      : work_(work), puller_(puller), imageDir_(std::move(imageDir)) {}

  // <image-dir>/NAME/TAG/rootfs exists (the Interface's directory images: never pulled).
  bool isLocal(const std::string& image) const override;
  void pull(const std::string& image,
            std::function<void(Result<reconciler::PulledImage>)> done) override;

 private:
  BackgroundWork& work_;
  image::registry::ImagePuller& puller_;
  std::string imageDir_;
};

}  // namespace podkeeper::agent
