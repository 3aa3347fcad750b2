#pragma once

#include <string>

#include "common/error.h"
#include "manifests/admission.h"
#include "manifests/decode.h"
#include "manifests/env_expansion.h"
#include "runtime/container_runtime.h"

// Pure translation of a decoded pod into what the runtime is asked to run.
namespace podkeeper::reconciler {

struct NodePaths {
  std::string logDir;
  std::string cgroupRoot;
  // Facts for the downward API (env valueFrom); pods have no address of their own yet, so
  // status.podIP is the host's.
  std::string nodeName;
  std::string hostIP;
  int64_t cpuMilli = 0;
  int64_t memoryBytes = 0;
  // seccompProfile: where Localhost profiles live, and RuntimeDefault for containers whose
  // pod and container say nothing (the kubelet's SeccompDefault).
  std::string seccompProfileRoot = "/var/lib/podkeeper/seccomp";
  bool seccompDefault = false;
  // pids.max of every pod cgroup (the kubelet's podPidsLimit); <= 0 = unlimited.
  int64_t podPidsLimit = -1;
  // The node's resolver configuration, the base of pods' resolv.conf (dnsPolicy Default and
  // the fallback of ClusterFirst); systemd-resolved's stub is followed to its real file.
  std::string resolvConfPath = "/etc/resolv.conf";
  // What the node admits (--allowed-unsafe-sysctls): see manifests/admission.h.
  manifests::AdmissionPolicy admission{};
};

manifests::NodeFacts nodeFacts(const NodePaths& paths);

// Everything but the downwardAPI volumes, which can fail: see downwardAPIVolumes.
runtime::SandboxSpec sandboxSpec(const manifests::DecodedPod& pod, const NodePaths& paths);

// The pod's downwardAPI volumes with their files rendered from its metadata and resources.
Result<std::vector<runtime::DownwardAPIVolume>> downwardAPIVolumes(const manifests::DecodedPod& pod,
                                                                   const NodePaths& paths);

// What the runtime is asked to run for one container: argv and env (downward API and $(VAR)
// expansion), security settings, volume mounts, cgroup and log path, and the image as the
// ImageService resolved it, carried as is (the default, an empty one, is a root image with no
// rootfs: for specs tested alone). Refuses a container that must not run as root
// (runAsNonRoot) but would, with the kubelet's messages.
Result<runtime::ContainerSpec> containerSpec(const manifests::DecodedPod& pod,
                                             const manifests::Container& container,
                                             const NodePaths& paths, int restartCount,
                                             const runtime::ResolvedImage& image = {});

// The process a container runs, as Kubernetes builds it from the image: `command` replaces
// the image's Entrypoint and drops its Cmd; `args` replaces Cmd; empty when neither the
// container nor the image names anything to run.
std::vector<std::string> containerArgv(const std::vector<std::string>& command,
                                       const std::vector<std::string>& args,
                                       const runtime::ResolvedImage& image);
// The image's Env is the base; the container's (name, value) pairs override it by name, in
// order; PATH gets the runtime default when neither sets it.
std::vector<std::string> containerEnv(
    const std::vector<std::string>& imageEnv,
    const std::vector<std::pair<std::string, std::string>>& containerEnv);

// <logDir>/<namespace>_<name>_<uid>: removed with the pod's sandbox.
std::string podLogDir(const std::string& logDir, const manifests::DecodedPod& pod);
// /var/log/pods/<namespace>_<name>_<uid>/<container>/<restartCount>.log
std::string containerLogPath(const std::string& logDir, const manifests::DecodedPod& pod,
                             const std::string& container, int restartCount);

}  // namespace podkeeper::reconciler
