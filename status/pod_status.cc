#include "status/pod_status.h"

#include <algorithm>

#include "manifests/qos.h"
#include "manifests/quantity.h"
#include "manifests/resource_allocation.h"
#include "status/kube_time.h"
#include "status/pod_phase.h"

namespace podkeeper::status {
namespace {

using nlohmann::json;

const runtime::ContainerState* observedContainer(const PodStatusInput& in,
                                                 const std::string& name) {
  if (!in.observed) return nullptr;
  for (const auto& c : in.observed->containers)
    if (c.name == name) return &c;
  return nullptr;
}

std::string containerId(const PodStatusInput& in, const std::string& name) {
  return "podkeeper://" + in.pod->uid + "/" + name;
}

json terminated(const runtime::ExitRecord& exit, const std::string& id,
                const std::string& message = "") {
  json t = {{"exitCode", exit.exitCode},
            {"reason", terminatedReason(exit)},
            {"startedAt", kubeTime(exit.startedAtNs)},
            {"finishedAt", kubeTime(exit.finishedAtNs)},
            {"containerID", id}};
  if (exit.signal != 0) t["signal"] = exit.signal;
  if (!message.empty()) t["message"] = message;
  return t;
}

json waitingState(std::string reason, const std::string& message = "") {
  json w = {{"reason", std::move(reason)}};
  if (!message.empty()) w["message"] = message;
  return {{"waiting", std::move(w)}};
}

// Why a container that does not exist yet is waiting.
json notCreatedState(const PodStatusInput& in, const manifests::Container& spec,
                     bool initializing) {
  if (initializing) return waitingState("PodInitializing");
  const std::string& err = in.lastError;
  if (!err.empty() && err.find("image") != std::string::npos &&
      err.find(spec.image) != std::string::npos)
    return waitingState("ErrImageNeverPull", err);
  if (!err.empty() && err.find("container " + spec.name) != std::string::npos) {
    // The kubelet's reasons: a config it refuses to create (volume mounts that cannot be made as
    // asked, a non-root policy the image breaks) vs a runtime that failed.
    const bool config = err.find("failed to prepare subPath") != std::string::npos ||
                        err.find(".subPathExpr") != std::string::npos ||
                        err.find("runAsNonRoot") != std::string::npos ||
                        err.find("breaks non-root policy") != std::string::npos;
    return waitingState(config ? "CreateContainerConfigError" : "CreateContainerError", err);
  }
  return waitingState("ContainerCreating");
}

std::string backOffMessage(const PodStatusInput& in, const std::string& container) {
  const auto& meta = in.pod->pod.metadata;
  return "back-off restarting failed container=" + container + " pod=" + meta.name + "_" +
         meta.namespace_ + "(" + in.pod->uid + ")";
}

// The message beside a waiting reason the reconciler set: the kubelet's wording.
std::string waitingMessage(const PodStatusInput& in, const manifests::Container& spec,
                           const std::string& reason) {
  if (reason == "ImagePullBackOff") return "Back-off pulling image \"" + spec.image + "\"";
  if (reason == "ErrImagePull") return "";  // the registry's error is in the Failed event
  if (reason == "ErrImageNeverPull")
    return spec.imagePullPolicy == "Never"
               ? "Container image \"" + spec.image + "\" is not present with pull policy of Never"
               : "Container image \"" + spec.image + "\" is not present on the node";
  return backOffMessage(in, spec.name);
}

struct States {
  json state;
  json lastState = json::object();
};

States containerStates(const PodStatusInput& in, const manifests::Container& spec,
                       const runtime::ContainerState* have, bool initializing) {
  const std::string id = containerId(in, spec.name);
  auto waiting = in.waiting.find(spec.name);
  States s;
  if (have && (have->running || (!have->exit && have->shimAlive))) {
    // Not running with the shim alive: it exited a moment ago and the shim is recording it.
    s.state = {{"running", {{"startedAt", kubeTime(have->startedAtNs)}}}};
  } else if (have && have->exit && waiting != in.waiting.end()) {
    s.state = waitingState(waiting->second, backOffMessage(in, spec.name));
    s.lastState = {{"terminated", terminated(*have->exit, id, have->terminationMessage)}};
  } else if (have && have->exit) {
    s.state = {{"terminated", terminated(*have->exit, id, have->terminationMessage)}};
  } else if (have) {
    // The shim died before writing the exit record: the kubelet's wording for a lost status.
    s.state = {{"terminated",
                {{"exitCode", 137},
                 {"reason", "ContainerStatusUnknown"},
                 {"message", "The container's exit status was not recorded"},
                 {"startedAt", kubeTime(have->startedAtNs)},
                 {"containerID", id}}}};
  } else if (waiting != in.waiting.end()) {
    s.state = waitingState(waiting->second, waitingMessage(in, spec, waiting->second));
  } else {
    s.state = notCreatedState(in, spec, initializing);
  }
  auto previous = in.lastTerminated.find(spec.name);
  if (s.lastState.empty() && previous != in.lastTerminated.end())
    s.lastState = {{"terminated", terminated(previous->second, id)}};
  return s;
}

bool probeSays(const PodStatusInput& in, const std::map<std::string, bool> ProbeStatus::*which,
               const std::string& name) {
  if (!in.probes) return true;
  const auto& m = (*in.probes).*which;
  auto it = m.find(name);
  return it == m.end() || it->second;
}

json resourceListJson(const manifests::ResourceList& l) {
  json j = json::object();
  if (l.cpuMilli) j["cpu"] = manifests::formatCpuMilli(*l.cpuMilli);
  if (l.memoryBytes) j["memory"] = manifests::formatBytes(*l.memoryBytes);
  return j;
}

// The cpu and memory a container was given: what the sandbox holds (a resize may be pending),
// else its spec's.
manifests::ResourceRequirements allocatedOf(const PodStatusInput& in,
                                            const manifests::Container& spec) {
  if (in.observed && !in.observed->allocated.empty())
    if (auto a = manifests::decodeAllocation(in.observed->allocated))
      if (auto it = a->containers.find(spec.name); it != a->containers.end()) return it->second;
  return spec.resources;
}

// status.containerStatuses[].resources (what the cgroups hold) and allocatedResources (the
// requests the node admitted: the new ones while a resize is being applied), cpu and memory,
// for a container that exists.
void addResources(json& s, const PodStatusInput& in, const manifests::Container& spec) {
  const auto actual = allocatedOf(in, spec);
  json resources = json::object();
  if (auto r = resourceListJson(actual.requests); !r.empty()) resources["requests"] = r;
  if (auto l = resourceListJson(actual.limits); !l.empty()) resources["limits"] = l;
  if (!resources.empty()) s["resources"] = std::move(resources);
  const bool admitted = in.resize && in.resize->type == "PodResizeInProgress";
  if (auto a = resourceListJson(admitted ? spec.resources.requests : actual.requests); !a.empty())
    s["allocatedResources"] = std::move(a);
}

json containerStatus(const PodStatusInput& in, const manifests::Container& spec,
                     bool initializing) {
  const auto* have = observedContainer(in, spec.name);
  States states = containerStates(in, spec, have, initializing);
  bool running = states.state.contains("running");
  json s = {{"name", spec.name},
            {"image", spec.image},
            {"imageID", have ? have->imageId : std::string()},
            {"state", std::move(states.state)},
            {"lastState", std::move(states.lastState)},
            {"ready", running && probeSays(in, &ProbeStatus::ready, spec.name)},
            {"started", running && probeSays(in, &ProbeStatus::started, spec.name)},
            {"restartCount", have ? have->restartCount : 0}};
  if (have) s["containerID"] = containerId(in, spec.name);
  if (have) addResources(s, in, spec);
  if (have && have->user)
    s["user"] = {{"linux",
                  {{"uid", have->user->uid},
                   {"gid", have->user->gid},
                   {"supplementalGroups", have->user->supplementalGroups}}}};
  return s;
}

bool succeeded(const runtime::ContainerState* c) {
  return c && c->exit && !c->running && c->exit->exitCode == 0;
}

// Init containers run first, so once a regular container exists initialization is over.
std::vector<std::string> incompleteInitContainers(const PodStatusInput& in) {
  std::vector<std::string> names;
  for (const auto& c : in.pod->pod.spec.containers)
    if (observedContainer(in, c.name)) return names;
  for (const auto& c : in.pod->pod.spec.initContainers) {
    const auto* have = observedContainer(in, c.name);
    // A sidecar is done once started; it keeps running.
    bool done = manifests::isSidecar(c) ? have && have->running : succeeded(have);
    if (!done) names.push_back(c.name);
  }
  return names;
}

std::string bracketList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " " : "") + names[i];
  return out + "]";
}

json condition(const std::string& type, bool status, std::optional<int64_t> transitionNs = {},
               const std::string& reason = "", const std::string& message = "") {
  json c = {{"type", type}, {"status", status ? "True" : "False"}};
  // The agent keeps no condition history; where a container time marks the transition it is
  // used, otherwise lastTransitionTime is left out rather than invented.
  if (transitionNs) c["lastTransitionTime"] = kubeTime(*transitionNs);
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

std::optional<int64_t> latest(std::optional<int64_t> a, int64_t b) {
  return a ? std::max(*a, b) : b;
}

// Ready turns True when the last container started (or a probe found it ready), False when
// the last one stopped (or a probe found it unready).
std::optional<int64_t> readyTransition(const PodStatusInput& in, bool ready) {
  std::optional<int64_t> t;
  for (const auto& c : in.pod->pod.spec.containers) {
    const auto* have = observedContainer(in, c.name);
    if (!have) continue;
    if (ready) t = latest(t, have->startedAtNs);
    if (!ready && have->exit) t = latest(t, have->exit->finishedAtNs);
  }
  if (in.probes)
    for (const auto& [name, ns] : in.probes->readinessChangedNs) t = latest(t, ns);
  return t;
}

std::optional<int64_t> initializedTransition(const PodStatusInput& in) {
  std::optional<int64_t> t;
  for (const auto& c : in.pod->pod.spec.initContainers)
    if (const auto* have = observedContainer(in, c.name); have && have->exit)
      t = latest(t, have->exit->finishedAtNs);
  return t;
}

json conditions(const PodStatusInput& in, const json& statuses, const std::string& phase) {
  std::vector<std::string> unready;
  for (const auto& s : statuses)
    if (!s["ready"].get<bool>()) unready.push_back(s["name"].get<std::string>());
  auto incomplete = incompleteInitContainers(in);
  bool ready = unready.empty();
  bool done = phase == "Succeeded" || phase == "Failed";
  std::string notReady = done ? "PodCompleted" : "ContainersNotReady";
  std::string notReadyMessage =
      done ? "" : "containers with unready status: " + bracketList(unready);
  json list = json::array();
  list.push_back(condition("PodReadyToStartContainers", in.observed != nullptr));
  list.push_back(incomplete.empty()
                     ? condition("Initialized", true, initializedTransition(in))
                     : condition("Initialized", false, {}, "ContainersNotInitialized",
                                 "containers with incomplete status: " + bracketList(incomplete)));
  for (const char* type : {"Ready", "ContainersReady"})
    list.push_back(
        ready ? condition(type, true, readyTransition(in, true))
              : condition(type, false, readyTransition(in, false), notReady, notReadyMessage));
  list.push_back(condition("PodScheduled", true));
  if (in.resize)
    list.push_back(
        condition(in.resize->type, true,
                  in.resize->sinceNs > 0 ? std::optional(in.resize->sinceNs) : std::nullopt,
                  in.resize->reason, in.resize->message));
  return list;
}

std::optional<int64_t> startTime(const PodStatusInput& in) {
  // When the agent first made the sandbox: persisted, and what activeDeadlineSeconds counts from.
  if (in.observed && in.observed->createdAtNs > 0) return in.observed->createdAtNs;
  std::optional<int64_t> t = in.firstSeenNs;
  auto earliest = [&](int64_t ns) {
    if (ns > 0) t = t ? std::min(*t, ns) : ns;
  };
  if (in.observed)
    for (const auto& c : in.observed->containers) earliest(c.startedAtNs);
  for (const auto& [name, exit] : in.lastTerminated) earliest(exit.startedAtNs);
  return t;
}

json ipList(const std::string& ip) { return json::array({{{"ip", ip}}}); }

}  // namespace

std::string terminatedReason(const runtime::ExitRecord& exit) {
  if (exit.oomKilled) return "OOMKilled";
  return exit.exitCode == 0 ? "Completed" : "Error";
}

json podStatus(const PodStatusInput& in) {
  const auto& spec = in.pod->pod.spec;
  if (in.refusal) {
    // As the kubelet's rejectPod: no containers were made, so there are no statuses of them.
    json status = {{"phase", "Failed"},
                   {"reason", in.refusal->reason()},
                   {"message", "Pod was rejected: " + in.refusal->message()},
                   {"qosClass", toString(qosClass(spec))}};
    if (!in.hostIP.empty()) {
      status["hostIP"] = in.hostIP;
      status["hostIPs"] = ipList(in.hostIP);
    }
    return status;
  }
  const bool initializing = !incompleteInitContainers(in).empty();
  // Sidecars count with the regular containers for the Ready conditions, as in Kubernetes.
  json init = json::array(), regular = json::array(), readiness = json::array();
  for (const auto& c : spec.initContainers) {
    init.push_back(containerStatus(in, c, false));
    if (manifests::isSidecar(c)) readiness.push_back(init.back());
  }
  for (const auto& c : spec.containers) regular.push_back(containerStatus(in, c, initializing));
  for (const auto& s : regular) readiness.push_back(s);

  const std::string phase = podPhase(*in.pod, in.observed);
  json status = {{"phase", phase}, {"conditions", conditions(in, readiness, phase)}};
  if (const auto* stop = terminalStop(in.observed)) {
    status["reason"] = stop->reason;
    status["message"] = stop->message.empty() && stop->reason == "DeadlineExceeded"
                            ? "Pod was active on the node longer than the specified deadline"
                            : stop->message;
  }
  if (!in.hostIP.empty()) {
    status["hostIP"] = in.hostIP;
    status["hostIPs"] = ipList(in.hostIP);
  }
  if (!in.podIPs.empty()) {
    status["podIP"] = in.podIPs.front();
    status["podIPs"] = json::array();
    for (const auto& ip : in.podIPs) status["podIPs"].push_back({{"ip", ip}});
  } else if (!in.hostIP.empty()) {
    status["podIP"] = in.hostIP;
    status["podIPs"] = ipList(in.hostIP);
  }
  if (auto t = startTime(in)) status["startTime"] = kubeTime(*t);
  if (!init.empty()) status["initContainerStatuses"] = std::move(init);
  status["containerStatuses"] = std::move(regular);
  status["qosClass"] = toString(qosClass(spec));
  return status;
}

}  // namespace podkeeper::status
