#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "manifests/decode.h"
#include "runtime/network/cni_protocol.h"

// A pod's network as the reconciler sees it: set up after the sandbox is made and before any
// container starts, torn down before the sandbox goes. The work (CNI plugins) runs off the
// loop; these calls only read and start it, and the pod's key is queued again when it ends.
namespace podkeeper::reconciler {

class PodNetwork {
 public:
  virtual ~PodNetwork() = default;

  struct Readiness {
    bool ready = false;  // containers may start
    // Said once per pod, as a Warning event with this reason (e.g. the node has no CNI
    // configuration, so the pod has only lo); "" when nothing is to be said.
    std::string eventReason, eventMessage;
  };
  // After the sandbox (and its net namespace) exists. An Error (NetworkPluginNotReady: a
  // broken configuration, a missing plugin, a plugin's error) is the pod's, and the next call
  // tries again.
  virtual Result<Readiness> ready(const manifests::DecodedPod& pod, const std::string& key) = 0;
  // Whether ready() will say ready without starting any work (host network, no configuration
  // to apply, ADD done): the pod's containers may then start in the job that makes its sandbox.
  virtual bool readyAtOnce(const manifests::DecodedPod& pod) const = 0;
  // Before the sandbox is removed: true once nothing of the pod's network is left (DEL
  // succeeded, or there was nothing to do); false while DEL runs. An error is retried.
  virtual Result<bool> released(const std::string& uid, const std::string& key) = 0;
  // A sandbox found on the machine whose containers were started (adoption, or each
  // reconcile): learns its addresses and checks its network once, off the loop.
  virtual void adopt(const std::string& uid, const std::string& key, bool hostNetwork) = 0;
  // The pod's addresses from the CNI result, IPv4 first; empty when it has none of its own.
  virtual std::vector<std::string> podIPs(const std::string& uid) const = 0;
  // True once an adopted pod's network failed its CHECK (e.g. its veth was deleted): the
  // sandbox must be made again, as the kubelet does when the sandbox changed.
  virtual bool broken(const std::string& uid) const = 0;
};

// The CNI arguments of a pod, as the kubelet's dockershim/containerd pass them: CNI_ARGS with
// IgnoreUnknown=1, K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID;
// the capability args portMappings (from hostPort), dns (from dnsConfig for dnsPolicy None)
// and bandwidth (from the kubernetes.io/ingress-bandwidth and egress-bandwidth annotations).
runtime::network::Attachment podAttachment(const manifests::DecodedPod& pod,
                                           const std::string& netnsPath);

}  // namespace podkeeper::reconciler
