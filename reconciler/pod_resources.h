#pragma once

#include <string>

#include "manifests/pod.h"
#include "manifests/qos.h"
#include "runtime/cgroup/cgroup_manager.h"

// Pure mapping from the Pod model to cgroup layout and limits (docs/architecture.md#cgroups).
namespace podkeeper::reconciler {

using manifests::QosClass;

// <root>/pod<uid> (Guaranteed), <root>/burstable/pod<uid>, <root>/besteffort/pod<uid>.
runtime::cgroup::CgroupPath podCgroupPath(const std::string& cgroupRoot, QosClass qos,
                                          const std::string& uid);

runtime::cgroup::Resources containerResources(const manifests::Container& c);

// The kubelet's pod-level values: spec.resources where set; otherwise shares from the sum of
// cpu requests, and quota and memory
// limit only when every container has one (sum of regular containers, or the largest init
// container when that is larger).
runtime::cgroup::Resources podResources(const manifests::PodSpec& spec);

// The kubelet's PodLimits for ephemeral-storage: the sum over the regular containers that set
// a limit, or the largest init container's when that is larger; nullopt when none sets one.
std::optional<int64_t> podEphemeralStorageLimit(const manifests::PodSpec& spec);

}  // namespace podkeeper::reconciler
