#pragma once

#include <string>
#include <vector>

#include "image/oci/image_config.h"
#include "image/store/content_store.h"
#include "layer_builder.h"

// Writes an image (layers, config, manifest) into a content store the way a pull or an
// import does, and returns the manifest's digest.
namespace podkeeper::image::testing {

struct TestImage {
  std::vector<std::string> layers{};   // tar blobs as stored (possibly compressed)
  std::vector<std::string> diffIds{};  // sha256 of the uncompressed tars (when empty: each
                                       // layer's digest, right for uncompressed layers)
  std::string configJson{};            // the "config" object; "{}" when empty
  std::string layerMediaType = "application/vnd.oci.image.layer.v1.tar";
};

struct WrittenImage {
  std::string manifestDigest;
  std::string configDigest;
  std::vector<std::string> layerDigests;
};

WrittenImage writeImage(ContentStore& store, const TestImage& image);

}  // namespace podkeeper::image::testing
