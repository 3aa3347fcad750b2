#include "agent/api/exec_location.h"

namespace podkeeper::api {
namespace {

// kubectl's AllContainerNames: "app, proxy, setup (init)".
std::string allContainerNames(const manifests::PodSpec& spec) {
  std::string out;
  for (const auto& c : spec.containers) out += (out.empty() ? "" : ", ") + c.name;
  for (const auto& c : spec.initContainers) out += (out.empty() ? "" : ", ") + c.name + " (init)";
  return out;
}

bool inSpec(const manifests::PodSpec& spec, const std::string& name) {
  for (const auto* list : {&spec.containers, &spec.initContainers})
    for (const auto& c : *list)
      if (c.name == name) return true;
  return false;
}

}  // namespace

Result<ChosenContainer> runningContainer(const status::PodReader& r, const KnownPod& known,
                                         const std::string& requested) {
  const auto& pod = known.pod.pod;
  std::string container = requested, defaulted;
  if (container.empty()) {
    // kubectl exec: the default-container annotation, else the first container.
    auto annotation = pod.metadata.annotations.find("kubectl.kubernetes.io/default-container");
    container = annotation != pod.metadata.annotations.end() ? annotation->second
                                                             : pod.spec.containers.front().name;
    if (pod.spec.containers.size() + pod.spec.initContainers.size() > 1)
      defaulted =
          "Defaulted container \"" + container + "\" out of: " + allContainerNames(pod.spec);
  }
  if (!inSpec(pod.spec, container))
    return failMsg("container " + container + " is not valid for pod " + pod.metadata.name);
  bool running = false;
  if (const auto* sandbox = r.observed(known.pod.uid))
    for (const auto& c : sandbox->containers)
      if (c.name == container) running = c.running;
  if (!running)
    return failMsg("container " + container + " in pod " + pod.metadata.name + " is not running");
  return ChosenContainer{container, defaulted};
}

Result<nlohmann::json> execLocation(const status::PodReader& r, const KnownPod& known,
                                    const std::string& requested, const ExecTargetLoader& load) {
  auto chosen = runningContainer(r, known, requested);
  if (!chosen) return fail(chosen.error());
  auto target = load(known.pod.uid, chosen->name);
  if (!target) return fail(target.error().context("container " + chosen->name));
  return nlohmann::json{
      {"container", chosen->name}, {"defaulted", chosen->defaulted}, {"target", *target}};
}

}  // namespace podkeeper::api
