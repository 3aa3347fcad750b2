#include "agent/registry_pull_source.h"

#include <spdlog/spdlog.h>

#include "common/image_reference.h"
#include "runtime/image/image_store.h"

namespace podkeeper::agent {

bool RegistryPullSource::isLocal(const std::string& image) const {
  return runtime::findImageRootfs(imageDir_, image).has_value();
}

void RegistryPullSource::pull(const std::string& image,
                              std::function<void(Result<reconciler::PulledImage>)> done) {
  work_.run(
      [this, image]() -> Result<reconciler::PulledImage> {
        auto ref = parseImageReference(image);
        if (!ref) return fail(ref.error());
        spdlog::info("image {}: pulling", ref->normalized());
        auto pulled = puller_.pull(*ref);
        if (!pulled) return fail(pulled.error());
        spdlog::info("image {}: pulled {} ({} bytes, {} downloaded)", ref->normalized(),
                     pulled->image.record.manifestDigest, pulled->sizeBytes,
                     pulled->downloadedBytes);
        return reconciler::PulledImage{pulled->image.record.manifestDigest, pulled->sizeBytes};
      },
      std::move(done));
}

}  // namespace podkeeper::agent
