#include "reconciler/pod_resources.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "runtime/cgroup/resources.h"

namespace podkeeper::reconciler {
namespace {

using manifests::Container;
using manifests::effectiveRequest;
using manifests::PodSpec;
namespace cg = runtime::cgroup;

// Sums one resource over the regular containers, takes the max with the init containers;
// nullopt when any container lacks it (only when requireAll).
std::optional<int64_t> podTotal(const PodSpec& spec,
                                std::optional<int64_t> (*get)(const Container&), bool requireAll) {
  int64_t sum = 0;
  bool any = false;
  for (const auto& c : spec.containers) {
    auto v = get(c);
    if (!v) {
      if (requireAll) return std::nullopt;
      continue;
    }
    sum += *v;
    any = true;
  }
  for (const auto& c : spec.initContainers) {
    auto v = get(c);
    if (!v) {
      if (requireAll) return std::nullopt;
      continue;
    }
    sum = std::max(sum, *v);
    any = true;
  }
  return any ? std::optional<int64_t>(sum) : std::nullopt;
}

std::optional<int64_t> cpuRequest(const Container& c) {
  return effectiveRequest(c.resources.requests.cpuMilli, c.resources.limits.cpuMilli);
}
std::optional<int64_t> cpuLimit(const Container& c) { return c.resources.limits.cpuMilli; }
std::optional<int64_t> memoryLimit(const Container& c) { return c.resources.limits.memoryBytes; }

}  // namespace

cg::CgroupPath podCgroupPath(const std::string& cgroupRoot, QosClass qos, const std::string& uid) {
  switch (qos) {
    case QosClass::Guaranteed:
      return cgroupRoot + "/pod" + uid;
    case QosClass::Burstable:
      return cgroupRoot + "/burstable/pod" + uid;
    case QosClass::BestEffort:
      return cgroupRoot + "/besteffort/pod" + uid;
  }
  return cgroupRoot + "/pod" + uid;
}

cg::Resources containerResources(const Container& c) {
  cg::Resources r;
  r.cpuShares = cg::cpuSharesFromMilli(cpuRequest(c).value_or(0));
  if (auto limit = cpuLimit(c)) r.cpuQuotaUs = cg::cpuQuotaFromMilli(*limit, r.cpuPeriodUs);
  r.memoryLimitBytes = memoryLimit(c);
  return r;
}

std::optional<int64_t> podEphemeralStorageLimit(const PodSpec& spec) {
  return podTotal(
      spec, [](const Container& c) { return c.resources.limits.ephemeralStorageBytes; }, false);
}

cg::Resources podResources(const PodSpec& spec) {
  // Pod-level values win, resource by resource, over the containers' aggregate.
  const manifests::ResourceList none;
  const auto& podReq = spec.resources ? spec.resources->requests : none;
  const auto& podLim = spec.resources ? spec.resources->limits : none;
  cg::Resources r;
  auto cpuReq = effectiveRequest(podReq.cpuMilli, podLim.cpuMilli);
  if (!cpuReq) cpuReq = podTotal(spec, cpuRequest, false);
  r.cpuShares = cg::cpuSharesFromMilli(cpuReq.value_or(0));
  auto cpuLim = podLim.cpuMilli ? podLim.cpuMilli : podTotal(spec, cpuLimit, true);
  if (cpuLim) r.cpuQuotaUs = cg::cpuQuotaFromMilli(*cpuLim, r.cpuPeriodUs);
  r.memoryLimitBytes = podLim.memoryBytes ? podLim.memoryBytes : podTotal(spec, memoryLimit, true);
  return r;
}

}  // namespace podkeeper::reconciler
