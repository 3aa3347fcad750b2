#pragma once

#include <optional>
#include <string>

#include "manifests/pod.h"

// AppArmor as the API server validates it and the kubelet applies it: the securityContext
// field (pod and container) and the older per-container annotation
// container.apparmor.security.beta.kubernetes.io/<name>, which must agree.
namespace podkeeper::manifests {

class Reporter;

inline constexpr const char* kAppArmorAnnotationPrefix =
    "container.apparmor.security.beta.kubernetes.io/";

// "runtime/default", "unconfined", "localhost/<name>" as a profile; nullopt when malformed.
std::optional<AppArmorProfile> appArmorFromAnnotation(const std::string& value);

// The container's effective profile: its field, else the pod's field, else its annotation;
// nullopt when none is set (the runtime's default then applies).
std::optional<AppArmorProfile> effectiveAppArmor(const Pod& pod, const Container& c);

// Field formats, annotation formats, annotations naming no container, and annotation/field
// disagreement ("apparmor type in annotation and field must match").
void validateAppArmor(const Pod& pod, Reporter& r);

// Whether the kubelet needs AppArmor on the host for this pod: some profile other than
// Unconfined is asked for (field or annotation).
bool appArmorRequired(const Pod& pod);

}  // namespace podkeeper::manifests
