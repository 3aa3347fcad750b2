#include "manifests/apparmor.h"

#include "manifests/validate.h"
#include "manifests/validate_common.h"

namespace podkeeper::manifests {
namespace {

void checkProfile(const std::optional<AppArmorProfile>& p, const std::string& field, Reporter& r) {
  if (!p) return;
  if (p->type == "Localhost") {
    if (p->localhostProfile.empty())
      r.error(field + ".localhostProfile", "must be set when type is Localhost");
  } else if (p->type == "RuntimeDefault" || p->type == "Unconfined") {
    if (!p->localhostProfile.empty())
      r.error(field + ".localhostProfile", "may only be set when type is Localhost");
  } else {
    r.error(field + ".type",
            quote(p->type) + " is not one of RuntimeDefault, Unconfined, Localhost");
  }
}

std::optional<AppArmorProfile> containerField(const Container& c) {
  return c.securityContext ? c.securityContext->appArmorProfile : std::nullopt;
}

}  // namespace

std::optional<AppArmorProfile> appArmorFromAnnotation(const std::string& value) {
  if (value == "runtime/default") return AppArmorProfile{"RuntimeDefault", ""};
  if (value == "unconfined") return AppArmorProfile{"Unconfined", ""};
  const std::string local = "localhost/";
  if (value.starts_with(local) && value.size() > local.size())
    return AppArmorProfile{"Localhost", value.substr(local.size())};
  return std::nullopt;
}

std::optional<AppArmorProfile> effectiveAppArmor(const Pod& pod, const Container& c) {
  if (auto field = containerField(c)) return field;
  if (pod.spec.securityContext.appArmorProfile) return pod.spec.securityContext.appArmorProfile;
  auto a = pod.metadata.annotations.find(kAppArmorAnnotationPrefix + c.name);
  if (a != pod.metadata.annotations.end()) return appArmorFromAnnotation(a->second);
  return std::nullopt;
}

void validateAppArmor(const Pod& pod, Reporter& r) {
  checkProfile(pod.spec.securityContext.appArmorProfile, "spec.securityContext.appArmorProfile", r);
  for (const auto* list : {&pod.spec.initContainers, &pod.spec.containers}) {
    const std::string base =
        list == &pod.spec.initContainers ? "spec.initContainers" : "spec.containers";
    for (size_t i = 0; i < list->size(); ++i)
      checkProfile(containerField((*list)[i]), at(base, i) + ".securityContext.appArmorProfile", r);
  }
  for (const auto& [key, value] : pod.metadata.annotations) {
    if (!key.starts_with(kAppArmorAnnotationPrefix)) continue;
    const std::string field = "metadata.annotations[" + key + "]";
    const std::string name = key.substr(std::string(kAppArmorAnnotationPrefix).size());
    const Container* c = findContainer(pod.spec, name);
    const auto fromAnnotation = appArmorFromAnnotation(value);
    if (c == nullptr) {
      r.error(field, "container " + quote(name) + " is not a container of the pod");
    } else if (!fromAnnotation) {
      r.error(field, quote(value) +
                         " is not a valid AppArmor profile (runtime/default, unconfined or "
                         "localhost/<name>)");
    } else {
      const auto field2 =
          containerField(*c) ? containerField(*c) : pod.spec.securityContext.appArmorProfile;
      if (field2 && (field2->type != fromAnnotation->type ||
                     field2->localhostProfile != fromAnnotation->localhostProfile))
        r.error(field, "apparmor type in annotation and field must match");
    }
  }
}

bool appArmorRequired(const Pod& pod) {
  for (const auto* list : {&pod.spec.initContainers, &pod.spec.containers})
    for (const auto& c : *list)
      if (auto p = effectiveAppArmor(pod, c); p && p->type != "Unconfined") return true;
  return false;
}

}  // namespace podkeeper::manifests
