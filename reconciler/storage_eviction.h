#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/pod.h"

// The kubelet's local-storage eviction (eviction manager, localStorageEviction): a pod whose
// disk-backed emptyDir outgrows its sizeLimit, whose containers together outgrow their
// ephemeral-storage limits, or one of whose containers outgrows its own, is evicted. Pure.
namespace podkeeper::reconciler {

// What a pod uses on disk, in bytes, as last measured.
struct PodStorageUsage {
  std::string specHash;                        // of the sandbox that was measured
  std::map<std::string, uint64_t> containers;  // writable layer + logs, by container
  std::map<std::string, uint64_t> emptyDirs;   // disk-backed emptyDirs, by volume
  bool operator==(const PodStorageUsage&) const = default;
};

inline constexpr const char* kEvictedReason = "Evicted";

// What to measure of one pod: directories summed per container (writable layer, logs) and
// the disk-backed emptyDirs.
struct StorageRequest {
  std::string key;
  std::string uid;
  std::string specHash;
  std::map<std::string, std::vector<std::string>> containers;
  std::map<std::string, std::string> emptyDirs;
};

// Whether anything in the spec limits local storage (so the pod is measured at all).
bool limitsLocalStorage(const manifests::PodSpec& spec);

// The eviction message, in the kubelet's words and order (emptyDir, pod, container), or
// nullopt when everything is within its limits.
std::optional<std::string> storageEvictionMessage(const manifests::PodSpec& spec,
                                                  const PodStorageUsage& usage);

}  // namespace podkeeper::reconciler
