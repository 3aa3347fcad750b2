#include "manifests/validate_common.h"

#include <set>

#include "manifests/names.h"
#include "manifests/quantity.h"

namespace podkeeper::manifests {

void checkId(std::optional<int64_t> id, const std::string& field, Reporter& r) {
  if (id && (*id < 0 || *id > 2147483647)) {
    r.error(field, std::to_string(*id) + " must be between 0 and 2147483647");
  }
}

void checkSeccomp(const std::optional<SeccompProfile>& p, const std::string& field, Reporter& r) {
  if (!p) return;
  if (p->type == "Localhost") {
    if (p->localhostProfile.empty()) {
      r.error(field + ".localhostProfile", "is required when type is Localhost");
    } else if (auto why = checkRelativePath(p->localhostProfile); !why.empty()) {
      r.error(field + ".localhostProfile", quote(p->localhostProfile) + " " + why);
    }
  } else if (p->type == "RuntimeDefault" || p->type == "Unconfined") {
    if (!p->localhostProfile.empty()) {
      r.error(field + ".localhostProfile", "may only be set when type is Localhost");
    }
  } else {
    r.error(field + ".type",
            quote(p->type) + " is not one of RuntimeDefault, Unconfined, Localhost");
  }
}

void checkFieldRef(const ObjectFieldSelector& f, bool inVolume, const std::string& field,
                   Reporter& r) {
  static const std::set<std::string> kEnvPaths{
      "metadata.name", "metadata.namespace", "metadata.uid",
      "spec.nodeName", "status.podIP",       "status.hostIP",
      "status.podIPs", "status.hostIPs",     "spec.serviceAccountName"};
  static const std::set<std::string> kVolumePaths{"metadata.name", "metadata.namespace",
                                                  "metadata.uid", "metadata.labels",
                                                  "metadata.annotations"};
  const std::string& p = f.fieldPath;
  const std::string pathField = field + ".fieldPath";
  for (const char* prefix : {"metadata.labels['", "metadata.annotations['"}) {
    const std::string pre = prefix;
    if (p.rfind(pre, 0) == 0) {
      if (p.size() < pre.size() + 2 || p.substr(p.size() - 2) != "']") {
        r.error(pathField, quote(p) + " must end with \"']\"");
        return;
      }
      std::string key = p.substr(pre.size(), p.size() - pre.size() - 2);
      if (auto why = checkQualifiedName(key); !why.empty()) {
        r.error(pathField, quote(p) + ": key " + quote(key) + " " + why);
      }
      return;
    }
  }
  if (inVolume ? !kVolumePaths.count(p) : !kEnvPaths.count(p)) {
    r.error(pathField,
            p.empty() ? std::string("is required") : quote(p) + " is not a supported field path");
  }
}

void checkResourceFieldRef(const ResourceFieldSelector& f, const PodSpec& spec,
                           bool containerRequired, const std::string& field, Reporter& r) {
  static const std::set<std::string> kResources{
      "limits.cpu",   "limits.memory",   "limits.ephemeral-storage",
      "requests.cpu", "requests.memory", "requests.ephemeral-storage"};
  if (!kResources.count(f.resource)) {
    r.error(field + ".resource",
            (f.resource.empty() ? std::string("is required")
                                : quote(f.resource) + " is not a supported resource"));
  }
  if (f.containerName.empty()) {
    if (containerRequired) r.error(field + ".containerName", "is required in a volume");
  } else {
    bool found = false;
    for (const auto* list : {&spec.initContainers, &spec.containers}) {
      for (const auto& c : *list) found = found || c.name == f.containerName;
    }
    if (!found)
      r.error(field + ".containerName", quote(f.containerName) + " is not a container of this pod");
  }
  ScaledQuantity q = parseQuantity(f.divisor, 9);
  if (!q.value) {
    r.error(field + ".divisor", quote(f.divisor) + " " + q.error);
  } else if (*q.value <= 0) {
    r.error(field + ".divisor", quote(f.divisor) + " must be positive");
  }
}

}  // namespace podkeeper::manifests
