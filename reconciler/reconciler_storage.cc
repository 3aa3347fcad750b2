#include <filesystem>

#include "reconciler/reconciler.h"
#include "status/pod_phase.h"

// The reconciler's side of local-storage eviction: what to measure, and what was measured.
namespace podkeeper::reconciler {

std::vector<StorageRequest> Reconciler::storageRequests() const {
  std::vector<StorageRequest> out;
  for (const auto& [key, pod] : desired_) {
    const auto* obs = observed(pod.uid);
    if (!obs || obs->specHash != pod.specHash) continue;
    if (status::terminalStop(obs) || !limitsLocalStorage(pod.pod.spec)) continue;
    out.push_back(storageRequest(key, pod, *obs));
  }
  return out;
}

StorageRequest Reconciler::storageRequest(const std::string& key, const manifests::DecodedPod& pod,
                                          const runtime::SandboxState& obs) const {
  StorageRequest r{key, pod.uid, pod.specHash, {}, {}};
  for (const auto& c : obs.containers) {
    const auto log = std::filesystem::path(containerLogPath(paths_.logDir, pod, c.name, 0));
    auto& dirs = r.containers[c.name];
    dirs.push_back(log.parent_path().string());
    if (auto layer = runtime_.writableLayerDir(pod.uid, c.name); !layer.empty())
      dirs.push_back(layer);
  }
  for (const auto& v : pod.pod.spec.volumes) {
    if (!v.emptyDir || v.emptyDir->medium == "Memory") continue;
    if (auto dir = runtime_.volumeDir(pod.uid, v.name); !dir.empty()) r.emptyDirs[v.name] = dir;
  }
  return r;
}

void Reconciler::noteStorageUsage(const std::string& uid, PodStorageUsage usage) {
  auto* pod = podState(uid);
  if (!pod || !pod->observed || pod->observed->specHash != usage.specHash) return;  // replaced
  pod->storageUsage = std::move(usage);
}

}  // namespace podkeeper::reconciler
