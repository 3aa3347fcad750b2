#include "manifests/identity.h"

#include "common/json_text.h"
#include "manifests/pod_json.h"
#include "manifests/sha256.h"

namespace podkeeper::manifests {

std::string podKey(const std::string& ns, const std::string& name) { return ns + "/" + name; }

bool isPodKey(std::string_view key, std::string_view ns, std::string_view name) {
  return key.size() == ns.size() + 1 + name.size() && key.starts_with(ns) &&
         key[ns.size()] == '/' && key.ends_with(name);
}

std::string podUid(const ObjectMeta& meta, std::string_view sourcePath) {
  if (!meta.uid.empty()) return meta.uid;
  std::string digest = sha256Hex("podkeeper-pod-uid-v1\n" + std::string(sourcePath) + "\n" +
                                 meta.namespace_ + "/" + meta.name);
  return digest.substr(0, 8) + "-" + digest.substr(8, 4) + "-" + digest.substr(12, 4) + "-" +
         digest.substr(16, 4) + "-" + digest.substr(20, 12);
}

std::string canonicalSpec(const PodSpec& spec) {
  return "podkeeper-spec-v1\n" + dumpJson(specToJson(spec));
}

std::string specHash(const PodSpec& spec) { return "v1:" + sha256Hex(canonicalSpec(spec)); }

}  // namespace podkeeper::manifests
