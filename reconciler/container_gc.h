#pragma once

#include <cstdint>
#include <string>
#include <vector>

// Garbage collection of dead containers, the kubelet's rules (container_gc.go): what is left
// of a container's earlier instances (in podkeeper, their N.log files: an instance's state
// and writable layer go when it restarts) is kept per container and per node within
// --maximum-dead-containers-per-container and --maximum-dead-containers, never younger than
// --minimum-container-ttl-duration. Pure.
namespace podkeeper::reconciler {

struct ContainerGcPolicy {
  int maxPerContainer = 1;  // dead instances kept per container; < 0 = no limit
  int maxContainers = -1;   // dead instances kept on the node; < 0 = no limit
  int64_t minAgeNs = 0;     // an instance younger than this is never collected
};

// An earlier instance of a container: one restart whose container has since restarted.
struct DeadInstance {
  std::string podUid;
  std::string container;
  int restartCount = 0;
  int64_t finishedAtNs = 0;  // when it last wrote (its log's mtime)
  bool operator==(const DeadInstance&) const = default;
};

// The instances to delete, in the kubelet's order: first every container's oldest beyond
// maxPerContainer; then, when more than maxContainers are left, each container's oldest beyond
// an even share (maxContainers / containers, at least 1); then the node's oldest beyond
// maxContainers. Instances younger than minAgeNs at nowNs are neither counted nor deleted.
std::vector<DeadInstance> planContainerGc(const std::vector<DeadInstance>& dead,
                                          const ContainerGcPolicy& policy, int64_t nowNs);

}  // namespace podkeeper::reconciler
