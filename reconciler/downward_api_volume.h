#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/error.h"
#include "manifests/env_expansion.h"
#include "manifests/pod.h"
#include "runtime/container_runtime.h"

// The files of a downwardAPI volume, rendered as the kubelet renders them. Pure.
namespace podkeeper::reconciler {

// Go's %q of a string: the kubelet writes label and annotation values with it.
std::string goQuote(const std::string& s);

// metadata.labels / metadata.annotations as a file: `key="value"` lines sorted by key,
// without a trailing newline (the kubelet's formatMap).
std::string formatMap(const std::map<std::string, std::string>& m);

// Every item of the volume with its content and mode (item mode, else defaultMode). uid is the
// pod's UID. Fails naming the item when a resourceFieldRef names no container of the pod.
Result<std::vector<runtime::DownwardAPIFile>> renderDownwardAPIVolume(
    const manifests::Pod& pod, const std::string& uid,
    const manifests::DownwardAPIVolumeSource& source, const manifests::NodeFacts& node);

}  // namespace podkeeper::reconciler
