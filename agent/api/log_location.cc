#include "agent/api/log_location.h"

#include <algorithm>

#include "reconciler/runtime_specs.h"

namespace podkeeper::api {
namespace {

std::vector<std::string> containerNames(const manifests::PodSpec& spec) {
  std::vector<std::string> names;
  for (const auto& c : spec.initContainers) names.push_back(c.name);
  for (const auto& c : spec.containers) names.push_back(c.name);
  return names;
}

// kubectl's choice: the container named by the default-container annotation, else the only one.
Result<std::string> chooseContainer(const manifests::Pod& pod, const std::string& requested) {
  auto names = containerNames(pod.spec);
  if (!requested.empty()) {
    if (std::find(names.begin(), names.end(), requested) != names.end()) return requested;
    return failMsg("container " + requested + " is not valid for pod " + pod.metadata.name);
  }
  auto annotation = pod.metadata.annotations.find("kubectl.kubernetes.io/default-container");
  if (annotation != pod.metadata.annotations.end()) return annotation->second;
  if (pod.spec.containers.size() == 1) return pod.spec.containers.front().name;
  std::string list;
  for (const auto& n : pod.spec.containers) list += (list.empty() ? "" : " ") + n.name;
  return failMsg("a container name must be specified for pod " + pod.metadata.name +
                 ", choose one of: [" + list + "]");
}

const runtime::ContainerState* observedContainer(const status::PodReader& r, const std::string& uid,
                                                 const std::string& name) {
  const auto* sandbox = r.observed(uid);
  if (!sandbox) return nullptr;
  for (const auto& c : sandbox->containers)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

Result<nlohmann::json> logLocation(const status::PodReader& r, const KnownPod& known,
                                   const LogRequest& request, const std::string& logDir) {
  const auto& pod = known.pod;
  auto container = chooseContainer(pod.pod, request.container);
  if (!container) return fail(container.error());
  const auto* have = observedContainer(r, pod.uid, *container);
  int restartCount = have ? have->restartCount : 0;
  if (request.previous) {
    if (restartCount == 0)
      return failMsg("previous terminated container \"" + *container + "\" in pod \"" +
                     pod.pod.metadata.name + "\" not found");
    --restartCount;
  }
  return nlohmann::json{
      {"path", reconciler::containerLogPath(logDir, pod, *container, restartCount)},
      {"container", *container},
      {"restartCount", restartCount},
      {"running", have && have->running && !request.previous}};
}

}  // namespace podkeeper::api
