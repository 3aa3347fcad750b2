#pragma once

#include <string>
#include <string_view>

#include "manifests/pod.h"

// Pod identity and spec hash (docs/architecture.md#manifest-files). Both are part of
// podkeeper's on-disk contract: the UID names state directories and cgroups, the hash decides
// whether a pod is recreated.
// Changing either encoding restarts every pod on upgrade, so both carry a version.
namespace podkeeper::manifests {

// metadata.uid when set; else derived, version "v1":
//   sha256("podkeeper-pod-uid-v1\n" + sourcePath + "\n" + namespace + "/" + name), first 32
//   hex digits written as a UUID (8-4-4-4-12). Lower-case hex and '-': safe as a file name.
// "<namespace>/<name>": how the agent keys pods by name.
std::string podKey(const std::string& ns, const std::string& name);
// key == podKey(ns, name), without building it (looked up for every pod, in loops over pods).
bool isPodKey(std::string_view key, std::string_view ns, std::string_view name);

std::string podUid(const ObjectMeta& meta, std::string_view sourcePath);

// The canonical encoding of the defaulted spec, version "v1":
//   "podkeeper-spec-v1\n" + specToJson(spec).dump()
// i.e. compact JSON with Kubernetes field names, keys sorted, empty values omitted (see
// pod_json.h). Metadata (labels, annotations) is not part of it: a metadata-only edit must
// not restart the pod. A field added in a later version must be left out of the encoding
// while it holds its default, so that existing hashes stay valid.
std::string canonicalSpec(const PodSpec& spec);

// "v1:" + sha256Hex(canonicalSpec(spec)).
std::string specHash(const PodSpec& spec);

}  // namespace podkeeper::manifests
