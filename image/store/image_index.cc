#include "image/store/image_index.h"

#include <cerrno>
#include <nlohmann/json.hpp>

#include "image/oci/digest.h"

namespace podkeeper::image {

std::string encodeImageIndex(const std::vector<ImageRecord>& images) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : images)
    list.push_back({{"reference", i.reference},
                    {"manifest", i.manifestDigest},
                    {"created", i.created},
                    {"lastUsed", i.lastUsed},
                    {"size", i.size}});
  return nlohmann::json{{"version", 1}, {"images", list}}.dump(1) + "\n";
}

Result<std::vector<ImageRecord>> decodeImageIndex(std::string_view json, const std::string& path) {
  const auto j = nlohmann::json::parse(json, nullptr, false);
  auto bad = [&](const std::string& field, const std::string& why) {
    return fail(Error{EINVAL, path + ": " + field + ": " + why});
  };
  if (j.is_discarded() || !j.is_object()) return bad("(document)", "not a JSON object");
  const auto images = j.find("images");
  if (images == j.end() || !images->is_array()) return bad("images", "missing or not a list");
  std::vector<ImageRecord> out;
  for (size_t n = 0; n < images->size(); ++n) {
    const auto& i = (*images)[n];
    const std::string field = "images[" + std::to_string(n) + "]";
    if (!i.is_object() || !i.contains("reference") || !i["reference"].is_string() ||
        !i.contains("manifest") || !i["manifest"].is_string())
      return bad(field, "needs reference and manifest strings");
    ImageRecord r;
    r.reference = i["reference"].get<std::string>();
    r.manifestDigest = i["manifest"].get<std::string>();
    if (auto v = validateDigest(r.manifestDigest); !v)
      return bad(field + ".manifest", v.error().message);
    for (auto [key, out] : {std::pair{"created", &r.created}, std::pair{"lastUsed", &r.lastUsed},
                            std::pair{"size", &r.size}})
      if (i.contains(key) && i[key].is_number_integer()) *out = i[key].get<int64_t>();
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace podkeeper::image
