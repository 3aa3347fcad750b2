#pragma once

#include <map>
#include <string>
#include <vector>

#include "manifests/decode.h"
#include "runtime/container_runtime.h"
#include "status/status_store.h"

namespace podkeeper::status {

// What the pod API and the agent's metrics read of the pods: the desired pods, the sandboxes
// as last observed, and the status store. The reconciler implements it; read on its loop.
class PodReader {
 public:
  virtual ~PodReader() = default;
  // The desired pods by key "namespace/name".
  virtual const std::map<std::string, manifests::DecodedPod>& desired() const = 0;
  // The sandbox of `uid` as of the last reconcile or observeAll; null when there is none.
  virtual const runtime::SandboxState* observed(const std::string& uid) const = 0;
  // Every observed sandbox, in uid order.
  virtual std::vector<const runtime::SandboxState*> observedSandboxes() const = 0;
  virtual const StatusStore& status() const = 0;
  // The pod's own addresses (CNI), IPv4 first; empty when it shares the host's or has none.
  virtual std::vector<std::string> podIPs(const std::string& uid) const {
    (void)uid;
    return {};
  }
};

}  // namespace podkeeper::status
