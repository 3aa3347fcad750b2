#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifests/decode.h"
#include "manifests/pod.h"
#include "runtime/container_runtime.h"

// In-place pod resize (KEP-1287) planning: whether an edited manifest is a resize of the
// running pod (only cpu and memory of regular containers and sidecars changed), which
// containers get new cgroup limits in place and which are restarted (resizePolicy
// RestartContainer), and the API server's and kubelet's refusals with their messages. Pure:
// the reconciler applies the result through CgroupManager and reports it as pod conditions.
namespace podkeeper::reconciler {

struct ContainerResize {
  std::string name;
  manifests::ResourceRequirements resources;  // the new ones
  bool cpuChanged = false, memoryChanged = false;
  // A changed resource's resizePolicy is RestartContainer: the container restarts with them.
  bool restart = false;
  // The new memory limit is lower than the old (checked against usage before it is applied).
  bool memoryLimitDecrease = false;
};

enum class ResizeKind {
  NotAResize,  // the specs differ in more than resources (or not at all): as before
  InPlace,     // apply containers
  Refused,     // a resize the API server refuses: the pod keeps running as it is
};

struct ResizePlan {
  ResizeKind kind = ResizeKind::NotAResize;
  std::vector<ContainerResize> containers;
  std::string message;  // Refused: the API server's words, with the field
};

// old: the spec the pod runs with; next: the edited manifest's. Pure.
ResizePlan planResize(const manifests::PodSpec& old, const manifests::PodSpec& next);

// The resizePolicy of resource ("cpu", "memory") of c: NotRequired unless written.
std::string resizeRestartPolicy(const manifests::Container& c, const std::string& resource);

// A memory limit decrease is applied only when the container uses less than the new limit, as
// the kubelet checks; otherwise the kubelet's error, reported as PodResizeInProgress/Error.
std::optional<std::string> memoryDecreaseError(const std::string& pod, const ContainerResize& r,
                                               std::optional<int64_t> usageBytes);

// The kubelet's feasibility check of a resize (1.33): the pod's new cpu and memory requests
// against the node's capacity (0: unknown, not checked). The message of PodResizePending with
// reason Infeasible, or nullopt when it fits.
std::optional<std::string> infeasibleResize(const manifests::PodSpec& next, int64_t nodeCpuMilli,
                                            int64_t nodeMemoryBytes);

// The one place that decides whether a sandbox runs the desired pod, a resize of it, or
// another pod (recreated): the sandbox keeps the spec hash and the resources it was given
// (SandboxState::allocated, manifests/resource_allocation.h); the desired spec with those put
// back must hash to the sandbox's hash, and differ from the desired one only as planResize
// allows.
struct RunningPod {
  // What the sandbox runs: the desired pod itself, or, during a resize, the desired pod with
  // the resources the sandbox has (and its spec hash). nullopt: another pod.
  std::optional<manifests::DecodedPod> pod;
  ResizePlan resize;  // from *pod to the desired one; NotAResize when they are the same
};
RunningPod runningPod(const manifests::DecodedPod& desired, const runtime::SandboxState& observed);

}  // namespace podkeeper::reconciler
