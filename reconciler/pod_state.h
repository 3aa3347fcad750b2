#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/decode.h"
#include "reconciler/storage_eviction.h"
#include "runtime/container_runtime.h"

// What the reconciler remembers between reconciles, in the manner of the kubelet's pod
// workers: one PodState per sandbox uid (removing a sandbox is one erase) and one KeyState
// per pod key "namespace/name" for what outlives a uid (a manifest moved to a new uid).
// What the API shows (events, waiting reasons, errors) is in status::StatusStore instead.
namespace podkeeper::reconciler {

struct PodState {
  std::optional<runtime::SandboxState> observed;  // as of the last reconcile or observeAll
  // The desired spec the sandbox runs (taken while the two agree): preStop hooks and probe
  // status come from it after the manifest is gone or changed.
  std::optional<manifests::DecodedPod> accepted;
  std::optional<runtime::StopRecord> stop;  // the stop in progress; also on disk
  // The downwardAPI volumes as last written, so unchanged metadata writes nothing.
  std::vector<runtime::DownwardAPIVolume> downwardWritten;
  std::optional<PodStorageUsage> storageUsage;  // as last measured
  // Chosen by node-pressure eviction (reconciler_pressure.cc): why, and how long its
  // containers get to stop.
  struct NodeEviction {
    std::string message;
    int64_t graceSeconds = 0;
  };
  std::optional<NodeEviction> nodeEviction;
  // Containers waiting for their image: ErrImagePull, ImagePullBackOff (reconciler_images.cc).
  std::map<std::string, std::string> imageWaiting;
  // The sandbox was ensured off the loop and nothing restarted since: the starts that follow
  // (the pod's first, one reconcile each) do not ask the runtime again.
  bool sandboxFresh = false;
  // The pod IPs its sandbox's files (/etc/hosts) were last written with: once the network is
  // ready with others (a CNI ADD gave the pod its address), the sandbox is ensured again.
  std::vector<std::string> sandboxIPs;
  // During a resize (pod_resize.h): the pod the sandbox runs, which the reconcile plans with
  // until the new resources are applied (or forever, for a resize the API server refuses).
  std::optional<manifests::DecodedPod> running;
  // The spec hash whose resize failed (memory above a new limit), when it is tried again,
  // and the last error reported (an event when it changes).
  std::string resizeFailedHash;
  int64_t resizeRetryAtNs = 0;
  std::string resizeError;
};

struct KeyState {
  std::optional<int64_t> desiredSinceNs;  // when this spec was first seen (start latency)
  bool startedByUs = false;               // a container was started since the desired spec changed
  std::string refusedHash;                // the spec hash refused (its event sent); "" when none
  std::string resizeRefusedHash;          // the same for a resize the API server refuses
  bool empty() const {
    return !desiredSinceNs && !startedByUs && refusedHash.empty() && resizeRefusedHash.empty();
  }
};

}  // namespace podkeeper::reconciler
