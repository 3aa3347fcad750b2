#include "reconciler/runtime_specs.h"

#include <algorithm>

#include "manifests/env_expansion.h"
#include "reconciler/pod_resources.h"
#include "runtime/image_store.h"

namespace podkeeper::reconciler {
namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

std::string podKey(const manifests::DecodedPod& pod) {
  return pod.pod.metadata.namespace_ + "/" + pod.pod.metadata.name;
}

}  // namespace

runtime::SandboxSpec sandboxSpec(const manifests::DecodedPod& pod, const NodePaths& paths) {
  const auto& meta = pod.pod.metadata;
  const auto& spec = pod.pod.spec;
  runtime::SandboxSpec s;
  s.uid = pod.uid;
  s.name = meta.name;
  s.namespace_ = meta.namespace_;
  s.hostname = spec.hostname.empty() ? meta.name : spec.hostname;
  s.hostNetwork = spec.hostNetwork;
  s.hostIPC = spec.hostIPC;
  s.hostPID = spec.hostPID;
  for (const auto& a : spec.hostAliases) s.hostAliases.push_back({a.ip, a.hostnames});
  for (const auto& v : spec.volumes)
    if (v.emptyDir)
      s.emptyDirs.push_back({v.name, v.emptyDir->medium == "Memory", v.emptyDir->sizeLimitBytes});
  for (const auto& sysctl : spec.securityContext.sysctls)
    s.sysctls.emplace_back(sysctl.name, sysctl.value);
  s.cgroupParent = podCgroupPath(paths.cgroupRoot, qosClass(pod.pod.spec), pod.uid);
  s.resources = podResources(pod.pod.spec);
  s.specHash = pod.specHash;
  s.terminationGracePeriodSeconds = pod.pod.spec.terminationGracePeriodSeconds;
  for (const auto& c : spec.initContainers)
    if (manifests::isSidecar(c)) s.sidecars.push_back(c.name);
  return s;
}

std::string containerLogPath(const std::string& logDir, const manifests::DecodedPod& pod,
                             const std::string& container, int restartCount) {
  const auto& meta = pod.pod.metadata;
  return logDir + "/" + meta.namespace_ + "_" + meta.name + "_" + pod.uid + "/" + container + "/" +
         std::to_string(restartCount) + ".log";
}

namespace {

// Container settings win over the pod's, as in Kubernetes.
Result<void> applySecurity(const manifests::DecodedPod& pod, const manifests::Container& c,
                           runtime::ContainerSpec& s) {
  const auto& psc = pod.pod.spec.securityContext;
  const manifests::SecurityContext sc = c.securityContext.value_or(manifests::SecurityContext{});
  s.privileged = sc.privileged.value_or(false);
  if (sc.capabilities) {
    s.capAdd = sc.capabilities->add;
    s.capDrop = sc.capabilities->drop;
  }
  // DESIGN 4.5: no_new_privs unless allowPrivilegeEscalation is true (or privileged).
  s.allowPrivilegeEscalation = s.privileged || sc.allowPrivilegeEscalation.value_or(false);
  s.runAsUser = sc.runAsUser ? sc.runAsUser : psc.runAsUser;
  s.runAsGroup = sc.runAsGroup ? sc.runAsGroup : psc.runAsGroup;
  s.supplementalGroups = psc.supplementalGroups;
  s.readOnlyRootfs = sc.readOnlyRootFilesystem.value_or(false);
  bool nonRoot = sc.runAsNonRoot.value_or(psc.runAsNonRoot.value_or(false));
  if (nonRoot && s.runAsUser.value_or(0) == 0)
    return failMsg(
        "container has runAsNonRoot and image will run as root (set runAsUser to a "
        "non-zero uid; images here carry no user)");
  return {};
}

Result<void> applyMounts(const manifests::DecodedPod& pod, const manifests::Container& c,
                         runtime::ContainerSpec& s) {
  for (const auto& m : c.volumeMounts) {
    const manifests::Volume* volume = nullptr;
    for (const auto& v : pod.pod.spec.volumes)
      if (v.name == m.name) volume = &v;
    if (!volume) return failMsg("volumeMount " + m.mountPath + ": no volume named " + m.name);
    runtime::BindMount b;
    b.destination = m.mountPath;
    b.readOnly = m.readOnly;
    if (volume->emptyDir)
      b.emptyDir = volume->name;
    else if (volume->hostPath)
      b.source = volume->hostPath->path;
    else
      return failMsg("volume " + volume->name + ": only emptyDir and hostPath can be mounted");
    s.mounts.push_back(std::move(b));
  }
  return {};
}

// The kubelet's oom_score_adj per QoS class: Guaranteed -997, BestEffort 1000, Burstable
// from the share of the node's memory requested, within [2, 999].
int oomScoreAdj(const manifests::DecodedPod& pod, const manifests::Container& c,
                int64_t nodeMemoryBytes) {
  switch (qosClass(pod.pod.spec)) {
    case QosClass::Guaranteed:
      return -997;
    case QosClass::BestEffort:
      return 1000;
    case QosClass::Burstable:
      break;
  }
  auto request = c.resources.requests.memoryBytes ? c.resources.requests.memoryBytes
                                                  : c.resources.limits.memoryBytes;
  if (nodeMemoryBytes <= 0 || !request) return 999;
  int64_t adj = 1000 - (1000 * *request) / nodeMemoryBytes;
  return int(std::clamp<int64_t>(adj, 2, 999));
}

}  // namespace

Result<runtime::ContainerSpec> containerSpec(const manifests::DecodedPod& pod,
                                             const manifests::Container& written,
                                             const NodePaths& paths, int restartCount) {
  manifests::NodeFacts facts{paths.nodeName, paths.hostIP,      paths.hostIP,
                             paths.cpuMilli, paths.memoryBytes, 0};
  const manifests::Container container =
      manifests::resolveContainer(pod.pod, pod.uid, written, facts);
  auto where = [&] { return "pod " + podKey(pod) + " container " + container.name; };
  auto rootfs = runtime::resolveImageRootfs(paths.imageDir, container.image);
  if (!rootfs) return fail(rootfs.error().context(where()));

  runtime::ContainerSpec s;
  s.sandboxUid = pod.uid;
  s.name = container.name;
  s.image = container.image;
  s.rootfs = *rootfs;
  s.argv = container.command;
  s.argv.insert(s.argv.end(), container.args.begin(), container.args.end());
  if (s.argv.empty())
    return failMsg("pod " + podKey(pod) + " container " + container.name +
                   ": no command: images are plain directories without an entrypoint, so "
                   "spec.containers[].command must be set");
  bool setsPath = false;
  for (const auto& e : container.env) setsPath = setsPath || e.name == "PATH";
  if (!setsPath) s.env.push_back(kDefaultPath);
  const auto& spec = pod.pod.spec;
  s.env.push_back("HOSTNAME=" + (spec.hostname.empty() ? pod.pod.metadata.name : spec.hostname));
  for (const auto& e : container.env) s.env.push_back(e.name + "=" + e.value);
  s.workingDir = container.workingDir;
  s.resources = containerResources(container);
  s.logPath = containerLogPath(paths.logDir, pod, container.name, restartCount);
  s.restartCount = restartCount;
  s.terminationMessagePath = container.terminationMessagePath;
  s.oomScoreAdj = oomScoreAdj(pod, container, paths.memoryBytes);
  if (auto r = applySecurity(pod, container, s); !r) return fail(r.error().context(where()));
  if (auto r = applyMounts(pod, container, s); !r) return fail(r.error().context(where()));
  return s;
}

}  // namespace podkeeper::reconciler
