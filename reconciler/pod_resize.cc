#include "reconciler/pod_resize.h"

#include <algorithm>

#include "manifests/identity.h"
#include "manifests/qos.h"
#include "manifests/resource_allocation.h"

namespace podkeeper::reconciler {
namespace {

using manifests::Container;
using manifests::PodSpec;
using manifests::ResourceList;

// c with cpu and memory taken from `from`: what else differs is not a resize.
Container withResources(Container c, const Container& from) {
  auto take = [](ResourceList& into, const ResourceList& src) {
    into.cpuMilli = src.cpuMilli;
    into.memoryBytes = src.memoryBytes;
  };
  take(c.resources.requests, from.resources.requests);
  take(c.resources.limits, from.resources.limits);
  return c;
}

bool resizable(const Container& c, bool init) { return !init || manifests::isSidecar(c); }

ResizePlan refused(std::string message) {
  ResizePlan p;
  p.kind = ResizeKind::Refused;
  p.message = std::move(message);
  return p;
}

}  // namespace

std::string resizeRestartPolicy(const Container& c, const std::string& resource) {
  for (const auto& p : c.resizePolicy)
    if (p.resourceName == resource) return p.restartPolicy;
  return "NotRequired";
}

ResizePlan planResize(const PodSpec& old, const PodSpec& next) {
  if (old == next) return {};
  // Everything but container cpu and memory must be equal: next with old's resources.
  PodSpec rest = next;
  if (rest.containers.size() != old.containers.size() ||
      rest.initContainers.size() != old.initContainers.size())
    return {};
  for (size_t i = 0; i < rest.containers.size(); ++i)
    rest.containers[i] = withResources(rest.containers[i], old.containers[i]);
  for (size_t i = 0; i < rest.initContainers.size(); ++i)
    rest.initContainers[i] = withResources(rest.initContainers[i], old.initContainers[i]);
  // Pod-level resources are not resizable in place in the API podkeeper follows (1.33, 1.34:
  // InPlacePodLevelResourcesVerticalScaling is alpha and off by default).
  const bool podLevelChanged = rest.resources != old.resources;
  rest.resources = old.resources;
  if (rest != old) return {};
  if (podLevelChanged)
    return refused(
        "spec.resources: Forbidden: pod-level resources may not be changed: in-place resize of "
        "pod-level resources (InPlacePodLevelResourcesVerticalScaling) is not enabled");

  ResizePlan plan;
  plan.kind = ResizeKind::InPlace;
  const auto collect = [&](const std::vector<Container>& before,
                           const std::vector<Container>& after, bool init,
                           const char* list) -> std::optional<std::string> {
    for (size_t i = 0; i < after.size(); ++i) {
      const auto& o = before[i].resources;
      const auto& n = after[i].resources;
      if (o == n) continue;
      const std::string field = "spec." + std::string(list) + "[" + std::to_string(i) + "]";
      if (!resizable(after[i], init))
        return field +
               ".resources: Forbidden: resources for non-sidecar init containers are "
               "immutable";
      // The API server: a request or limit may change, not appear or go away.
      for (auto [was, is, what] :
           {std::tuple{o.requests.cpuMilli, n.requests.cpuMilli, "requests.cpu"},
            std::tuple{o.limits.cpuMilli, n.limits.cpuMilli, "limits.cpu"},
            std::tuple{o.requests.memoryBytes, n.requests.memoryBytes, "requests.memory"},
            std::tuple{o.limits.memoryBytes, n.limits.memoryBytes, "limits.memory"}}) {
        if (was && !is)
          return field + ".resources." + what + ": Forbidden: resource " +
                 (std::string(what).starts_with("limits") ? "limits" : "requests") +
                 " cannot be removed";
      }
      ContainerResize r;
      r.name = after[i].name;
      r.resources = n;
      r.cpuChanged =
          o.requests.cpuMilli != n.requests.cpuMilli || o.limits.cpuMilli != n.limits.cpuMilli;
      r.memoryChanged = o.requests.memoryBytes != n.requests.memoryBytes ||
                        o.limits.memoryBytes != n.limits.memoryBytes;
      r.restart =
          (r.cpuChanged && resizeRestartPolicy(after[i], "cpu") == "RestartContainer") ||
          (r.memoryChanged && resizeRestartPolicy(after[i], "memory") == "RestartContainer");
      r.memoryLimitDecrease = o.limits.memoryBytes && n.limits.memoryBytes &&
                              *n.limits.memoryBytes < *o.limits.memoryBytes;
      plan.containers.push_back(std::move(r));
    }
    return std::nullopt;
  };
  if (auto why = collect(old.initContainers, next.initContainers, true, "initContainers"))
    return refused(*why);
  if (auto why = collect(old.containers, next.containers, false, "containers"))
    return refused(*why);
  if (manifests::qosClass(old) != manifests::qosClass(next))
    return refused(std::string("spec: Invalid value: \"") +
                   manifests::toString(manifests::qosClass(next)) +
                   "\": Pod QOS Class may not change as a result of resizing");
  return plan;
}

std::optional<std::string> infeasibleResize(const PodSpec& next, int64_t nodeCpuMilli,
                                            int64_t nodeMemoryBytes) {
  // The pod's request: pod-level where set; else the regular containers and sidecars together,
  // or the largest init container if that is more.
  auto podRequest = [&](auto field) -> int64_t {
    if (next.resources) {
      const auto& r = next.resources->requests.*field;
      const auto& l = next.resources->limits.*field;
      if (auto v = manifests::effectiveRequest(r, l)) return *v;
    }
    auto request = [&](const Container& c) {
      return manifests::effectiveRequest(c.resources.requests.*field, c.resources.limits.*field)
          .value_or(0);
    };
    int64_t running = 0, init = 0;
    for (const auto& c : next.containers) running += request(c);
    for (const auto& c : next.initContainers) {
      if (manifests::isSidecar(c))
        running += request(c);
      else
        init = std::max(init, request(c));
    }
    return std::max(running, init);
  };
  const int64_t memory = podRequest(&manifests::ResourceList::memoryBytes);
  const int64_t cpu = podRequest(&manifests::ResourceList::cpuMilli);
  std::string what;
  if (nodeMemoryBytes > 0 && memory > nodeMemoryBytes)
    what = "memory, requested: " + std::to_string(memory) +
           ", capacity: " + std::to_string(nodeMemoryBytes);
  else if (nodeCpuMilli > 0 && cpu > nodeCpuMilli)
    what = "cpu, requested: " + std::to_string(cpu) + ", capacity: " + std::to_string(nodeCpuMilli);
  else
    return std::nullopt;
  return "Node didn't have enough capacity: " + what;
}

RunningPod runningPod(const manifests::DecodedPod& desired, const runtime::SandboxState& observed) {
  RunningPod out;
  if (observed.specHash == desired.specHash) {
    out.pod = desired;
    return out;
  }
  auto allocated = manifests::decodeAllocation(observed.allocated);
  if (!allocated) return out;  // made before podkeeper kept allocations: recreated, as before
  PodSpec spec = manifests::withAllocation(desired.pod.spec, *allocated);
  if (manifests::specHash(spec) != observed.specHash) return out;
  ResizePlan plan = planResize(spec, desired.pod.spec);
  if (plan.kind == ResizeKind::NotAResize) return out;
  out.pod = desired;
  out.pod->pod.spec = std::move(spec);
  out.pod->specHash = observed.specHash;
  out.resize = std::move(plan);
  return out;
}

std::optional<std::string> memoryDecreaseError(const std::string& pod, const ContainerResize& r,
                                               std::optional<int64_t> usageBytes) {
  if (!r.memoryLimitDecrease || r.restart || !usageBytes || !r.resources.limits.memoryBytes)
    return std::nullopt;
  if (*usageBytes < *r.resources.limits.memoryBytes) return std::nullopt;
  return "aborting attempt to set container memory limit less than current memory usage for "
         "container " +
         r.name + " of pod " + pod + " (usage " + std::to_string(*usageBytes) + " bytes, limit " +
         std::to_string(*r.resources.limits.memoryBytes) + " bytes)";
}

}  // namespace podkeeper::reconciler
