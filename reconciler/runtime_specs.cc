#include "reconciler/runtime_specs.h"

#include <algorithm>
#include <set>

#include "common/sysctl_names.h"
#include "manifests/apparmor.h"
#include "manifests/env_expansion.h"
#include "manifests/names.h"
#include "manifests/resource_allocation.h"
#include "manifests/stop_signal.h"
#include "reconciler/downward_api_volume.h"
#include "reconciler/pod_dns.h"
#include "reconciler/pod_resources.h"
#include "runtime/image/image_user.h"

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
  s.hostname = manifests::podHostname(pod.pod);
  s.hostNetwork = spec.hostNetwork;
  s.hostIPC = spec.hostIPC;
  s.hostPID = spec.hostPID;
  s.shareProcessNamespace = spec.shareProcessNamespace;
  s.hostUsers = spec.hostUsers;
  s.logDir = podLogDir(paths.logDir, pod);
  for (const auto& a : spec.hostAliases) s.hostAliases.push_back({a.ip, a.hostnames});
  s.hostDomain = podHostDomain(pod.pod);
  s.setHostnameAsFQDN = spec.setHostnameAsFQDN;
  for (const auto& v : spec.volumes) {
    if (v.emptyDir)
      s.emptyDirs.push_back({v.name, v.emptyDir->medium == "Memory", v.emptyDir->sizeLimitBytes});
    if (v.hostPath) s.hostPaths.push_back({v.name, v.hostPath->path, v.hostPath->type});
  }
  s.fsGroup = spec.securityContext.fsGroup;
  s.fsGroupOnRootMismatch = spec.securityContext.fsGroupChangePolicy == "OnRootMismatch";
  for (const auto& sysctl : spec.securityContext.sysctls)
    s.sysctls.emplace_back(normalizeSysctlName(sysctl.name), sysctl.value);
  s.cgroupParent = podCgroupPath(paths.cgroupRoot, qosClass(pod.pod.spec), pod.uid);
  s.resources = podResources(pod.pod.spec);
  s.resources.pidsLimit = paths.podPidsLimit;
  s.allocated = manifests::encodeAllocation(manifests::allocationOf(pod.pod.spec));
  s.specHash = pod.specHash;
  s.terminationGracePeriodSeconds = pod.pod.spec.terminationGracePeriodSeconds;
  for (const auto& c : spec.initContainers)
    if (manifests::isSidecar(c)) s.sidecars.push_back(c.name);
  return s;
}

manifests::NodeFacts nodeFacts(const NodePaths& paths) {
  return {paths.nodeName, paths.hostIP, paths.hostIP, paths.cpuMilli, paths.memoryBytes, 0};
}

Result<std::vector<runtime::DownwardAPIVolume>> downwardAPIVolumes(const manifests::DecodedPod& pod,
                                                                   const NodePaths& paths) {
  std::vector<runtime::DownwardAPIVolume> out;
  for (size_t i = 0; i < pod.pod.spec.volumes.size(); ++i) {
    const auto& v = pod.pod.spec.volumes[i];
    const auto source = manifests::downwardAPIFiles(v);
    if (!source) continue;
    auto files = renderDownwardAPIVolume(pod.pod, pod.uid, *source, nodeFacts(paths));
    if (!files) {
      return fail(files.error().context("pod " + podKey(pod) + " spec.volumes[" +
                                        std::to_string(i) + "] (" + v.name + ")"));
    }
    out.push_back({v.name, std::move(*files)});
  }
  return out;
}

std::string podLogDir(const std::string& logDir, const manifests::DecodedPod& pod) {
  const auto& meta = pod.pod.metadata;
  return logDir + "/" + meta.namespace_ + "_" + meta.name + "_" + pod.uid;
}

std::string containerLogPath(const std::string& logDir, const manifests::DecodedPod& pod,
                             const std::string& container, int restartCount) {
  return podLogDir(logDir, pod) + "/" + container + "/" + std::to_string(restartCount) + ".log";
}

namespace {

// The container's profile, else the pod's, else the node's default.
runtime::SeccompSpec seccompSpec(const std::optional<manifests::SeccompProfile>& container,
                                 const std::optional<manifests::SeccompProfile>& pod,
                                 const NodePaths& paths) {
  using Kind = runtime::SeccompSpec::Kind;
  const auto& profile = container ? container : pod;
  runtime::SeccompSpec s;
  if (!profile) {
    s.kind = paths.seccompDefault ? Kind::RuntimeDefault : Kind::Unconfined;
  } else if (profile->type == "RuntimeDefault") {
    s.kind = Kind::RuntimeDefault;
  } else if (profile->type == "Localhost") {
    s.kind = Kind::Localhost;
    s.profileRoot = paths.seccompProfileRoot;
    s.localhostProfile = profile->localhostProfile;
  }
  return s;
}

// The profile the command execs into, as containerd picks it: Localhost by its name,
// RuntimeDefault as containerd's profile (none for a privileged container, as containerd),
// Unconfined or nothing asked for: none. Admission refused the pod when a profile is needed
// and the host has no AppArmor.
std::string appArmorProfileName(const manifests::Pod& pod, const manifests::Container& c,
                                bool privileged) {
  const auto profile = manifests::effectiveAppArmor(pod, c);
  if (!profile) return "";
  if (profile->type == "Localhost") return profile->localhostProfile;
  if (profile->type == "RuntimeDefault" && !privileged)
    return runtime::kRuntimeDefaultAppArmorProfile;
  return "";
}

// The kubelet's verifyRunAsNonRoot, with its messages.
Result<void> verifyRunAsNonRoot(const manifests::DecodedPod& pod, const manifests::Container& c,
                                const runtime::ContainerSpec& s) {
  const auto& psc = pod.pod.spec.securityContext;
  const bool nonRoot = c.securityContext && c.securityContext->runAsNonRoot
                           ? *c.securityContext->runAsNonRoot
                           : psc.runAsNonRoot.value_or(false);
  if (!nonRoot) return {};
  const auto& meta = pod.pod.metadata;
  const std::string who = "(pod: \"" + meta.name + "_" + meta.namespace_ + "(" + pod.uid +
                          ")\", container: " + c.name + ")";
  if (s.runAsUser) {
    if (*s.runAsUser == 0) return failMsg("container's runAsUser breaks non-root policy " + who);
    return {};
  }
  const std::string& imageUser = s.resolvedImage.user;
  const auto uid = runtime::numericImageUid(imageUser);
  if (!uid) {
    return failMsg("container has runAsNonRoot and image has non-numeric user (" + imageUser +
                   "), cannot verify user is non-root " + who);
  }
  if (*uid == 0) return failMsg("container has runAsNonRoot and image will run as root " + who);
  return {};
}

// Container settings win over the pod's, as in Kubernetes.
Result<void> applySecurity(const manifests::DecodedPod& pod, const manifests::Container& c,
                           const NodePaths& paths, runtime::ContainerSpec& s) {
  const auto& psc = pod.pod.spec.securityContext;
  const manifests::SecurityContext sc = c.securityContext.value_or(manifests::SecurityContext{});
  s.privileged = sc.privileged.value_or(false);
  if (sc.capabilities) {
    s.capAdd = sc.capabilities->add;
    s.capDrop = sc.capabilities->drop;
  }
  // As containerd and runc: no_new_privs unless allowPrivilegeEscalation is true (or privileged).
  s.allowPrivilegeEscalation = s.privileged || sc.allowPrivilegeEscalation.value_or(false);
  s.runAsUser = sc.runAsUser ? sc.runAsUser : psc.runAsUser;
  s.runAsGroup = sc.runAsGroup ? sc.runAsGroup : psc.runAsGroup;
  s.supplementalGroups = psc.supplementalGroups;
  if (psc.fsGroup) s.supplementalGroups.push_back(*psc.fsGroup);
  s.strictSupplementalGroups = psc.supplementalGroupsPolicy == "Strict";
  s.readOnlyRootfs = sc.readOnlyRootFilesystem.value_or(false);
  s.unmaskedProc = sc.procMount == "Unmasked";  // validation: only with hostUsers: false
  s.seccomp = seccompSpec(sc.seccompProfile, psc.seccompProfile, paths);
  s.appArmorProfile = appArmorProfileName(pod.pod, c, s.privileged);
  return verifyRunAsNonRoot(pod, c, s);
}

// subPathExpr with $(VAR) from the container's env only, as the kubelet expands it: a
// variable that is unknown or empty is an error, and so is a result that could leave the
// volume.
Result<std::string> expandSubPath(const manifests::Container& c, const manifests::VolumeMount& m,
                                  const std::string& field) {
  if (m.subPathExpr.empty()) return m.subPath;
  std::set<std::string> missing;
  const std::string expanded =
      manifests::expandVariables(m.subPathExpr, [&](std::string_view name) {
        for (const auto& e : c.env)
          if (e.name == name && !e.value.empty()) return std::optional<std::string>(e.value);
        missing.insert(std::string(name));
        return std::optional<std::string>("");
      });
  const std::string what = field + ".subPathExpr: \"" + m.subPathExpr + "\"";
  if (!missing.empty()) {
    std::string names;
    for (const auto& n : missing) names += (names.empty() ? "" : ", ") + n;
    return failMsg(what + ": missing value for " + names);
  }
  if (auto why = manifests::checkRelativePath(expanded); !why.empty())
    return failMsg(what + " expands to \"" + expanded + "\", which " + why);
  return expanded;
}

Result<void> applyMounts(const manifests::DecodedPod& pod, const manifests::Container& c,
                         runtime::ContainerSpec& s) {
  const auto& spec = pod.pod.spec;
  std::string where = "spec.containers[?]";
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (size_t i = 0; i < list->size(); ++i)
      if ((*list)[i].name == c.name)
        where = std::string(list == &spec.containers ? "spec.containers" : "spec.initContainers") +
                "[" + std::to_string(i) + "]";
  for (size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const auto& m = c.volumeMounts[i];
    const std::string field = where + ".volumeMounts[" + std::to_string(i) + "]";
    const manifests::Volume* volume = nullptr;
    for (const auto& v : spec.volumes)
      if (v.name == m.name) volume = &v;
    if (!volume) return failMsg(field + ": no volume named \"" + m.name + "\"");
    auto subPath = expandSubPath(c, m, field);
    if (!subPath) return fail(subPath.error());
    runtime::BindMount b;
    b.destination = m.mountPath;
    b.readOnly = m.readOnly;
    b.subPath = *subPath;
    b.volume = volume->name;
    if (m.mountPropagation == "HostToContainer")
      b.propagation = runtime::MountPropagation::HostToContainer;
    else if (m.mountPropagation == "Bidirectional")
      b.propagation = runtime::MountPropagation::Bidirectional;
    // Upstream a readOnly bind is not recursive unless asked; podkeeper's is, unless Disabled
    // is written out (README). The kernel support IfPossible and Enabled need (mount_setattr,
    // 5.12) is what every volume mount here uses already.
    b.recursiveReadOnly = m.recursiveReadOnly != "Disabled";
    if (volume->emptyDir) {
      b.emptyDir = volume->name;
    } else if (volume->downwardAPI || volume->projected) {
      b.emptyDir = volume->name;
      b.readOnly = true;  // the kubelet mounts downwardAPI volumes read-only, always
    } else if (volume->hostPath) {
      b.source = volume->hostPath->path;
    } else if (volume->image) {
      b.readOnly = true;  // its layers are added by the caller, which resolved (pulled) the image
    } else {
      return failMsg(field + ": volume \"" + volume->name + "\" has no source that can be mounted");
    }
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

std::vector<std::string> containerArgv(const std::vector<std::string>& command,
                                       const std::vector<std::string>& args,
                                       const runtime::ResolvedImage& image) {
  std::vector<std::string> argv = command.empty() ? image.entrypoint : command;
  const auto& rest = !args.empty() || !command.empty() ? args : image.cmd;
  argv.insert(argv.end(), rest.begin(), rest.end());
  return argv;
}

std::vector<std::string> containerEnv(
    const std::vector<std::string>& imageEnv,
    const std::vector<std::pair<std::string, std::string>>& containerEnv) {
  std::vector<std::string> env;
  auto set = [&](const std::string& name, const std::string& value) {
    const std::string prefix = name + "=";
    for (auto& e : env)
      if (e.starts_with(prefix)) {
        e = prefix + value;
        return;
      }
    env.push_back(prefix + value);
  };
  bool hasPath = false;
  for (const auto& e : imageEnv) hasPath = hasPath || e.starts_with("PATH=");
  for (const auto& [name, value] : containerEnv) hasPath = hasPath || name == "PATH";
  if (!hasPath) env.push_back(kDefaultPath);
  for (const auto& e : imageEnv) {
    const auto eq = e.find('=');
    if (eq != std::string::npos && eq > 0) set(e.substr(0, eq), e.substr(eq + 1));
  }
  for (const auto& [name, value] : containerEnv) set(name, value);
  return env;
}

Result<runtime::ContainerSpec> containerSpec(const manifests::DecodedPod& pod,
                                             const manifests::Container& written,
                                             const NodePaths& paths, int restartCount,
                                             const runtime::ResolvedImage& image) {
  const manifests::Container container =
      manifests::resolveContainer(pod.pod, pod.uid, written, nodeFacts(paths));
  auto where = [&] { return "pod " + podKey(pod) + " container " + container.name; };

  runtime::ContainerSpec s;
  s.sandboxUid = pod.uid;
  s.name = container.name;
  s.image = container.image;
  s.resolvedImage = image;
  s.argv = containerArgv(container.command, container.args, image);
  if (s.argv.empty())
    return failMsg("pod " + podKey(pod) + " container " + container.name +
                   ": no command: neither spec.containers[].command nor the image's "
                   "Entrypoint or Cmd (image \"" +
                   container.image + "\")");
  std::vector<std::pair<std::string, std::string>> podEnv;
  podEnv.emplace_back("HOSTNAME", podUtsHostname(pod.pod));
  for (const auto& e : container.env) podEnv.emplace_back(e.name, e.value);
  s.env = containerEnv(image.env, podEnv);
  // containerd's CRI plugin gives a tty container TERM=xterm unless the image or pod set it.
  if (container.tty &&
      std::ranges::none_of(s.env, [](const std::string& e) { return e.starts_with("TERM="); }))
    s.env.push_back("TERM=xterm");
  s.workingDir = container.workingDir.empty() ? image.workingDir : container.workingDir;
  if (image.stopSignal > 0) s.stopSignal = image.stopSignal;
  // lifecycle.stopSignal (ContainerStopSignals) wins over the image's, as the kubelet passes it.
  if (container.lifecycle)
    if (auto sig = manifests::stopSignalNumber(container.lifecycle->stopSignal))
      s.stopSignal = *sig;
  s.resources = containerResources(container);
  s.logPath = containerLogPath(paths.logDir, pod, container.name, restartCount);
  s.restartCount = restartCount;
  s.terminationMessagePath = container.terminationMessagePath;
  s.stdin = container.stdin;
  s.stdinOnce = container.stdinOnce;
  s.tty = container.tty;
  s.oomScoreAdj = oomScoreAdj(pod, container, paths.memoryBytes);
  if (auto r = applySecurity(pod, container, paths, s); !r) return fail(r.error().context(where()));
  if (auto r = applyMounts(pod, container, s); !r) return fail(r.error().context(where()));
  return s;
}

}  // namespace podkeeper::reconciler
