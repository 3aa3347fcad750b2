#include "image_fixture.h"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "image/oci/digest.h"

namespace podkeeper::image::testing {

WrittenImage writeImage(ContentStore& store, const TestImage& image) {
  auto put = [&](const std::string& mediaType, const std::string& bytes) {
    Descriptor d{mediaType, sha256Digest(bytes), static_cast<int64_t>(bytes.size())};
    if (auto r = store.writeBlob(d, bytes); !r) throw std::runtime_error(r.error().message);
    return d;
  };
  WrittenImage out;
  nlohmann::json layers = nlohmann::json::array();
  nlohmann::json diffIds = nlohmann::json::array();
  for (size_t i = 0; i < image.layers.size(); ++i) {
    const auto d = put(image.layerMediaType, image.layers[i]);
    out.layerDigests.push_back(d.digest);
    layers.push_back({{"mediaType", d.mediaType}, {"digest", d.digest}, {"size", d.size}});
    diffIds.push_back(i < image.diffIds.size() ? image.diffIds[i] : d.digest);
  }
  nlohmann::json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"config", nlohmann::json::parse(image.configJson.empty() ? "{}" : image.configJson)},
      {"rootfs", {{"type", "layers"}, {"diff_ids", diffIds}}}};
  const auto c = put("application/vnd.oci.image.config.v1+json", config.dump());
  out.configDigest = c.digest;
  nlohmann::json manifest = {
      {"schemaVersion", 2},
      {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
      {"config", {{"mediaType", c.mediaType}, {"digest", c.digest}, {"size", c.size}}},
      {"layers", layers}};
  out.manifestDigest = put("application/vnd.oci.image.manifest.v1+json", manifest.dump()).digest;
  return out;
}

}  // namespace podkeeper::image::testing
