#include "reconciler/runtime_specs.h"

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
  runtime::SandboxSpec s;
  s.uid = pod.uid;
  s.name = meta.name;
  s.namespace_ = meta.namespace_;
  s.hostname = meta.name;
  s.cgroupParent = podCgroupPath(paths.cgroupRoot, qosClass(pod.pod.spec), pod.uid);
  s.resources = podResources(pod.pod.spec);
  s.specHash = pod.specHash;
  s.terminationGracePeriodSeconds = pod.pod.spec.terminationGracePeriodSeconds;
  return s;
}

std::string containerLogPath(const std::string& logDir, const manifests::DecodedPod& pod,
                             const std::string& container, int restartCount) {
  const auto& meta = pod.pod.metadata;
  return logDir + "/" + meta.namespace_ + "_" + meta.name + "_" + pod.uid + "/" + container + "/" +
         std::to_string(restartCount) + ".log";
}

Result<runtime::ContainerSpec> containerSpec(const manifests::DecodedPod& pod,
                                             const manifests::Container& container,
                                             const NodePaths& paths, int restartCount) {
  auto rootfs = runtime::resolveImageRootfs(paths.imageDir, container.image);
  if (!rootfs)
    return fail(rootfs.error().context("pod " + podKey(pod) + " container " + container.name));

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
  s.env.push_back("HOSTNAME=" + pod.pod.metadata.name);
  for (const auto& e : container.env) s.env.push_back(e.name + "=" + e.value);
  s.workingDir = container.workingDir;
  s.resources = containerResources(container);
  s.logPath = containerLogPath(paths.logDir, pod, container.name, restartCount);
  s.restartCount = restartCount;
  return s;
}

}  // namespace podkeeper::reconciler
