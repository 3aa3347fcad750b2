#include "reconciler/storage_eviction.h"

#include "manifests/quantity.h"
#include "reconciler/pod_resources.h"

namespace podkeeper::reconciler {
namespace {

bool exceeds(uint64_t used, int64_t limit) { return limit > 0 && used > uint64_t(limit); }

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

bool limitsLocalStorage(const manifests::PodSpec& spec) {
  for (const auto& v : spec.volumes)
    if (v.emptyDir && v.emptyDir->sizeLimitBytes) return true;
  return podEphemeralStorageLimit(spec).has_value();
}

std::optional<std::string> storageEvictionMessage(const manifests::PodSpec& spec,
                                                  const PodStorageUsage& usage) {
  for (const auto& v : spec.volumes) {
    if (!v.emptyDir || !v.emptyDir->sizeLimitBytes) continue;
    auto used = usage.emptyDirs.find(v.name);
    if (used == usage.emptyDirs.end() || !exceeds(used->second, *v.emptyDir->sizeLimitBytes))
      continue;
    return "Usage of EmptyDir volume " + quoted(v.name) + " exceeds the limit " +
           quoted(manifests::formatBytes(*v.emptyDir->sizeLimitBytes)) + ". ";
  }
  if (const auto limit = podEphemeralStorageLimit(spec)) {
    uint64_t total = 0;
    for (const auto& [name, bytes] : usage.containers) total += bytes;
    for (const auto& [name, bytes] : usage.emptyDirs) total += bytes;
    if (exceeds(total, *limit)) {
      return "Pod ephemeral local storage usage exceeds the total limit of containers " +
             manifests::formatBytes(*limit) + ". ";
    }
  }
  for (const auto* list : {&spec.initContainers, &spec.containers}) {
    for (const auto& c : *list) {
      const auto& limit = c.resources.limits.ephemeralStorageBytes;
      auto used = usage.containers.find(c.name);
      if (!limit || used == usage.containers.end() || !exceeds(used->second, *limit)) continue;
      return "Container " + c.name + " exceeded its local ephemeral storage limit " +
             quoted(manifests::formatBytes(*limit)) + ". ";
    }
  }
  return std::nullopt;
}

}  // namespace podkeeper::reconciler
