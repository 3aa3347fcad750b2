#include "reconciler/container_gc.h"

#include <algorithm>
#include <map>
#include <utility>

namespace podkeeper::reconciler {
namespace {

bool newerFirst(const DeadInstance& a, const DeadInstance& b) {
  if (a.finishedAtNs != b.finishedAtNs) return a.finishedAtNs > b.finishedAtNs;
  return a.restartCount > b.restartCount;
}

using Units = std::map<std::pair<std::string, std::string>, std::vector<DeadInstance>>;

// Each unit's instances beyond the newest `keep` go to `out`.
void keepNewest(Units& units, size_t keep, std::vector<DeadInstance>& out) {
  for (auto& [unit, instances] : units) {
    if (instances.size() <= keep) continue;
    out.insert(out.end(), instances.begin() + long(keep), instances.end());
    instances.resize(keep);
  }
}

size_t total(const Units& units) {
  size_t n = 0;
  for (const auto& [unit, instances] : units) n += instances.size();
  return n;
}

}  // namespace

std::vector<DeadInstance> planContainerGc(const std::vector<DeadInstance>& dead,
                                          const ContainerGcPolicy& policy, int64_t nowNs) {
  Units units;
  for (const auto& d : dead)
    if (nowNs - d.finishedAtNs >= policy.minAgeNs) units[{d.podUid, d.container}].push_back(d);
  for (auto& [unit, instances] : units) std::sort(instances.begin(), instances.end(), newerFirst);

  std::vector<DeadInstance> out;
  if (policy.maxPerContainer >= 0) keepNewest(units, size_t(policy.maxPerContainer), out);
  if (policy.maxContainers >= 0 && total(units) > size_t(policy.maxContainers)) {
    size_t withAny = 0;
    for (const auto& [unit, instances] : units) withAny += !instances.empty();
    keepNewest(units, std::max<size_t>(1, size_t(policy.maxContainers) / withAny), out);
    if (total(units) > size_t(policy.maxContainers)) {
      std::vector<DeadInstance> left;
      for (auto& [unit, instances] : units)
        left.insert(left.end(), instances.begin(), instances.end());
      std::sort(left.begin(), left.end(), newerFirst);
      out.insert(out.end(), left.begin() + long(policy.maxContainers), left.end());
    }
  }
  return out;
}

}  // namespace podkeeper::reconciler
