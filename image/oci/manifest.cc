#include "image/oci/manifest.h"

#include <cerrno>
#include <nlohmann/json.hpp>

#include "image/oci/digest.h"

namespace podkeeper::image {
namespace {

using Json = nlohmann::json;

Error bad(const std::string& digest, const std::string& field, const std::string& why) {
  return Error{EINVAL, "blob " + digest + ": " + field + ": " + why};
}

Result<Json> parseJson(std::string_view content, const std::string& digest) {
  if (content.size() > kMaxManifestBytes)
    return fail(Error{EFBIG, "blob " + digest + ": manifest of " + std::to_string(content.size()) +
                                 " bytes is over the limit of " +
                                 std::to_string(kMaxManifestBytes)});
  Json j = Json::parse(content, nullptr, false);
  if (j.is_discarded()) return fail(bad(digest, "(document)", "not valid JSON"));
  if (!j.is_object()) return fail(bad(digest, "(document)", "not a JSON object"));
  return j;
}

Result<std::string> optString(const Json& obj, const char* key, const std::string& digest,
                              const std::string& field) {
  const auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(bad(digest, field, "not a string"));
  return it->get<std::string>();
}

Result<Descriptor> parseDescriptor(const Json& j, const std::string& digest,
                                   const std::string& field) {
  if (!j.is_object()) return fail(bad(digest, field, "not an object"));
  Descriptor d;
  auto mt = optString(j, "mediaType", digest, field + ".mediaType");
  if (!mt) return fail(mt.error());
  d.mediaType = *mt;
  auto dg = optString(j, "digest", digest, field + ".digest");
  if (!dg) return fail(dg.error());
  if (auto r = validateDigest(*dg); !r)
    return fail(bad(digest, field + ".digest", r.error().message));
  d.digest = *dg;
  const auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer())
    return fail(bad(digest, field + ".size", "missing or not an integer"));
  d.size = size->get<int64_t>();
  if (d.size < 0) return fail(bad(digest, field + ".size", "negative: " + std::to_string(d.size)));
  if (const auto p = j.find("platform"); p != j.end() && p->is_object()) {
    d.hasPlatform = true;
    for (auto [key, out] :
         {std::pair{"os", &d.platform.os}, std::pair{"architecture", &d.platform.architecture},
          std::pair{"variant", &d.platform.variant}}) {
      auto v = optString(*p, key, digest, field + ".platform." + key);
      if (!v) return fail(v.error());
      *out = *v;
    }
  }
  if (const auto a = j.find("annotations"); a != j.end() && a->is_object())
    for (const auto& [k, v] : a->items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  return d;
}

Result<void> checkSchemaVersion(const Json& j, const std::string& digest) {
  const auto v = j.find("schemaVersion");
  if (v == j.end() || !v->is_number_integer() || v->get<int64_t>() != 2)
    return fail(bad(digest, "schemaVersion", "must be 2 (schema 1 images are not supported)"));
  return {};
}

}  // namespace

bool isManifestMediaType(std::string_view mt) {
  return mt == media::kOciManifest || mt == media::kDockerManifest;
}

bool isIndexMediaType(std::string_view mt) {
  return mt == media::kOciIndex || mt == media::kDockerManifestList;
}

Result<media::Compression> layerCompression(std::string_view mt) {
  if (mt == media::kOciLayer || mt == "application/vnd.oci.image.layer.nondistributable.v1.tar")
    return media::Compression::kNone;
  if (mt == media::kOciLayerGzip || mt == media::kDockerLayerGzip ||
      mt == media::kDockerForeignLayerGzip ||
      mt == "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip")
    return media::Compression::kGzip;
  if (mt == media::kOciLayerZstd ||
      mt == "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd")
    return media::Compression::kZstd;
  return fail(Error{EINVAL, "unsupported layer media type \"" + std::string(mt) + "\""});
}

Result<ManifestKind> manifestKind(std::string_view content, const std::string& digest) {
  auto j = parseJson(content, digest);
  if (!j) return fail(j.error());
  auto mt = optString(*j, "mediaType", digest, "mediaType");
  if (!mt) return fail(mt.error());
  if (isManifestMediaType(*mt)) return ManifestKind::kManifest;
  if (isIndexMediaType(*mt)) return ManifestKind::kIndex;
  if (!mt->empty()) return fail(bad(digest, "mediaType", "unsupported \"" + *mt + "\""));
  if (j->contains("manifests")) return ManifestKind::kIndex;
  if (j->contains("config") && j->contains("layers")) return ManifestKind::kManifest;
  return fail(bad(digest, "mediaType", "missing, and neither a manifest nor an index"));
}

Result<Manifest> parseManifest(std::string_view content, const std::string& digest) {
  auto j = parseJson(content, digest);
  if (!j) return fail(j.error());
  if (auto r = checkSchemaVersion(*j, digest); !r) return fail(r.error());
  Manifest m;
  auto mt = optString(*j, "mediaType", digest, "mediaType");
  if (!mt) return fail(mt.error());
  if (!mt->empty() && !isManifestMediaType(*mt))
    return fail(bad(digest, "mediaType", "\"" + *mt + "\" is not an image manifest"));
  m.mediaType = mt->empty() ? std::string(media::kOciManifest) : *mt;
  const auto config = j->find("config");
  if (config == j->end()) return fail(bad(digest, "config", "missing"));
  auto cd = parseDescriptor(*config, digest, "config");
  if (!cd) return fail(cd.error());
  m.config = *cd;
  const auto layers = j->find("layers");
  if (layers == j->end() || !layers->is_array())
    return fail(bad(digest, "layers", "missing or not a list"));
  for (size_t i = 0; i < layers->size(); ++i) {
    const std::string field = "layers[" + std::to_string(i) + "]";
    auto ld = parseDescriptor((*layers)[i], digest, field);
    if (!ld) return fail(ld.error());
    if (auto c = layerCompression(ld->mediaType); !c)
      return fail(bad(digest, field + ".mediaType", c.error().message));
    m.layers.push_back(std::move(*ld));
  }
  return m;
}

Result<Index> parseIndex(std::string_view content, const std::string& digest) {
  auto j = parseJson(content, digest);
  if (!j) return fail(j.error());
  if (auto r = checkSchemaVersion(*j, digest); !r) return fail(r.error());
  Index idx;
  auto mt = optString(*j, "mediaType", digest, "mediaType");
  if (!mt) return fail(mt.error());
  if (!mt->empty() && !isIndexMediaType(*mt))
    return fail(bad(digest, "mediaType", "\"" + *mt + "\" is not an image index"));
  idx.mediaType = mt->empty() ? std::string(media::kOciIndex) : *mt;
  const auto list = j->find("manifests");
  if (list == j->end() || !list->is_array())
    return fail(bad(digest, "manifests", "missing or not a list"));
  for (size_t i = 0; i < list->size(); ++i) {
    auto d = parseDescriptor((*list)[i], digest, "manifests[" + std::to_string(i) + "]");
    if (!d) return fail(d.error());
    idx.manifests.push_back(std::move(*d));
  }
  return idx;
}

}  // namespace podkeeper::image
