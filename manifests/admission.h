#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "manifests/pod.h"

// Admission: what this node refuses to run, decided before anything of the pod is made, the
// way the kubelet's admit handlers decide (sysctls, features it lacks). Validation says
// whether a pod is well formed, as the API server would; admission says whether this node
// runs it. `podkeeper validate` and the agent both call admit(), so they never disagree.
namespace podkeeper::manifests {

// The node's side of admission: what the operator allowed on the command line.
struct AdmissionPolicy {
  // --allowed-unsafe-sysctls: names, or prefixes ending in '*' ("kernel.msg*", "net.core.*"),
  // each namespaced (checkAllowedUnsafeSysctls), allowed besides the safe set.
  std::vector<std::string> allowedUnsafeSysctls;
  // --extended-resource NAME=QUANTITY: what the node advertises (example.com/dongle=4).
  std::map<std::string, int64_t> extendedResources;
  // Whether the host enforces AppArmor (/sys/module/apparmor/parameters/enabled is "Y").
  bool appArmorEnabled = false;
  // Whether the host has SELinux (/sys/fs/selinux/enforce exists): seLinuxOptions are not
  // applied either way, and the log says which reason holds.
  bool seLinuxEnabled = false;
};

// "NAME=QUANTITY" into policy.extendedResources; "" when valid, else why not, naming it.
std::string addExtendedResource(const std::string& flag, AdmissionPolicy& policy);

// The pod's effective request of each extended resource, as the kubelet counts it: regular
// containers and sidecars together, or an init container (with the sidecars before it) when
// that is larger.
std::map<std::string, int64_t> podExtendedRequests(const PodSpec& spec);

// "" when every pattern is a valid, namespaced sysctl name or prefix; else why not, naming
// the pattern (the kubelet refuses to start on such a flag).
std::string checkAllowedUnsafeSysctls(const std::vector<std::string>& patterns);

struct AdmissionProblem {
  std::string reason;   // the kubelet's reason: SysctlForbidden, or UnsupportedPodSpec
  std::string field;    // e.g. spec.securityContext.sysctls[0].name
  std::string message;  // e.g. forbidden sysctl: "kernel.panic" not allowlisted
};

struct AdmitResult {
  std::vector<AdmissionProblem> problems;  // empty: admitted

  bool admitted() const { return problems.empty(); }
  // The pod's status.reason when refused: the first problem's (the kubelet reports one).
  std::string reason() const;
  // Every problem, "FIELD: MESSAGE" joined by "; ".
  std::string message() const;
};

// The kubelet's safe sysctls, allowed to every pod (pkg/kubelet/sysctl/safe_sysctls.go).
const std::vector<std::string>& safeSysctls();

// One pod alone on the node (what `podkeeper validate` checks).
AdmitResult admit(const Pod& pod, const AdmissionPolicy& policy);

// Pods in admission order (those already running first): each is admitted as admit() does
// and, like the kubelet, only when its extended resources fit in what the node advertises
// minus what the pods admitted before it request (reason OutOf<resource>).
std::vector<AdmitResult> admitAll(const std::vector<const Pod*>& pods,
                                  const AdmissionPolicy& policy);

}  // namespace podkeeper::manifests
