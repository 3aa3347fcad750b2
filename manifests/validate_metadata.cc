#include "manifests/names.h"
#include "manifests/validate.h"
#include "manifests/validate_common.h"

namespace podkeeper::manifests {
namespace {

constexpr size_t kMaxAnnotationBytes = 256 * 1024;  // the API server's total limit

}  // namespace

void validateMetadata(const ObjectMeta& meta, Reporter& r) {
  if (meta.name.empty()) {
    r.error("metadata.name", "is required");
  } else if (auto why = checkDns1123Subdomain(meta.name); !why.empty()) {
    r.error("metadata.name", quote(meta.name) + " " + why);
  }
  if (auto why = checkDns1123Label(meta.namespace_); !why.empty()) {
    r.error("metadata.namespace", quote(meta.namespace_) + " " + why);
  }
  if (auto why = checkUid(meta.uid); !why.empty()) {
    r.error("metadata.uid", quote(meta.uid) + " " + why);
  }
  for (const auto& [key, value] : meta.labels) {
    const std::string field = "metadata.labels." + key;
    if (auto why = checkQualifiedName(key); !why.empty()) {
      r.error(field, "key " + quote(key) + ": " + why);
    }
    if (auto why = checkLabelValue(value); !why.empty()) {
      r.error(field, quote(value) + " " + why);
    }
  }
  size_t total = 0;
  for (const auto& [key, value] : meta.annotations) {
    total += key.size() + value.size();
    if (auto why = checkQualifiedName(key); !why.empty()) {
      r.error("metadata.annotations." + key, "key " + quote(key) + ": " + why);
    }
  }
  if (total > kMaxAnnotationBytes) {
    r.error("metadata.annotations", "total size must be no more than 256 KiB");
  }
}

}  // namespace podkeeper::manifests
