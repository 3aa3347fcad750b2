#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifests/pod.h"

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

// The pod conditions the kubelet reports while a resize is not done (KEP-1287, 1.33+).
struct ResizeCondition {
  std::string type;    // PodResizePending, PodResizeInProgress
  std::string reason;  // Infeasible, Deferred (Pending); "" or Error (InProgress)
  std::string message;
};

}  // namespace podkeeper::reconciler
