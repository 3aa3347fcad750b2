#include "reconciler/pod_resources.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "runtime/cgroup/resources.h"

namespace podkeeper::reconciler {
namespace {

using manifests::Container;
using manifests::PodSpec;
namespace cg = runtime::cgroup;

std::optional<int64_t> effectiveRequest(std::optional<int64_t> request,
                                        std::optional<int64_t> limit) {
  return request ? request : limit;
}

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

bool isGuaranteed(const Container& c) {
  const auto& r = c.resources;
  if (!r.limits.cpuMilli || !r.limits.memoryBytes) return false;
  return effectiveRequest(r.requests.cpuMilli, r.limits.cpuMilli) == r.limits.cpuMilli &&
         effectiveRequest(r.requests.memoryBytes, r.limits.memoryBytes) == r.limits.memoryBytes;
}

bool hasAny(const Container& c) {
  const auto& r = c.resources;
  return r.requests.cpuMilli || r.requests.memoryBytes || r.limits.cpuMilli || r.limits.memoryBytes;
}

std::vector<const Container*> allContainers(const PodSpec& spec) {
  std::vector<const Container*> all;
  for (const auto& c : spec.initContainers) all.push_back(&c);
  for (const auto& c : spec.containers) all.push_back(&c);
  return all;
}

}  // namespace

const char* toString(QosClass q) {
  switch (q) {
    case QosClass::Guaranteed:
      return "Guaranteed";
    case QosClass::Burstable:
      return "Burstable";
    case QosClass::BestEffort:
      return "BestEffort";
  }
  return "Unknown";
}

QosClass qosClass(const PodSpec& spec) {
  auto all = allContainers(spec);
  if (std::none_of(all.begin(), all.end(), [](auto* c) { return hasAny(*c); }))
    return QosClass::BestEffort;
  if (std::all_of(all.begin(), all.end(), [](auto* c) { return isGuaranteed(*c); }))
    return QosClass::Guaranteed;
  return QosClass::Burstable;
}

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
  cg::Resources r;
  r.cpuShares = cg::cpuSharesFromMilli(podTotal(spec, cpuRequest, false).value_or(0));
  if (auto limit = podTotal(spec, cpuLimit, true))
    r.cpuQuotaUs = cg::cpuQuotaFromMilli(*limit, r.cpuPeriodUs);
  r.memoryLimitBytes = podTotal(spec, memoryLimit, true);
  return r;
}

}  // namespace podkeeper::reconciler
