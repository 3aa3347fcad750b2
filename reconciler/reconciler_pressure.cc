#include <spdlog/spdlog.h>

#include <algorithm>

#include "manifests/qos.h"
#include "reconciler/reconciler.h"
#include "status/pod_phase.h"

// The reconciler's side of node-pressure eviction (node_pressure.h, eviction_monitor.h): which
// pods may be evicted and what to measure of them, an eviction (carried out by the same stop
// as local-storage eviction: Failed, Evicted, for good), and admission under pressure.
namespace podkeeper::reconciler {
namespace {

// Without an API server there are no PriorityClass objects: the two built-in classes
// resolve to their values, as the API server would set spec.priority.
int32_t podPriority(const manifests::PodSpec& spec) {
  if (spec.priority) return *spec.priority;
  if (spec.priorityClassName == "system-node-critical") return 2000001000;
  if (spec.priorityClassName == "system-cluster-critical") return 2000000000;
  return 0;
}

// The kubelet's pod request of a resource: the regular containers and sidecars together, or
// an init container when that is larger.
int64_t podRequest(const manifests::PodSpec& spec,
                   std::optional<int64_t> manifests::ResourceList::*field) {
  int64_t regular = 0, init = 0, sidecars = 0;
  for (const auto& c : spec.initContainers) {
    const int64_t r = (c.resources.requests.*field).value_or(0);
    if (manifests::isSidecar(c)) {
      sidecars += r;
      regular += r;
    } else {
      init = std::max(init, sidecars + r);
    }
  }
  for (const auto& c : spec.containers) regular += (c.resources.requests.*field).value_or(0);
  return std::max(regular, init);
}

}  // namespace

std::vector<PodUsageRequest> Reconciler::evictionCandidates() const {
  std::vector<PodUsageRequest> out;
  for (const auto& [key, pod] : desired_) {
    const PodState* state = podState(pod.uid);
    const auto* obs = observed(pod.uid);
    if (!state || !obs || obs->specHash != pod.specHash || state->nodeEviction) continue;
    if (status::terminalStop(obs) || state->stop) continue;  // stopping already
    if (std::none_of(obs->containers.begin(), obs->containers.end(),
                     [](const auto& c) { return c.running; }))
      continue;
    const auto& spec = pod.pod.spec;
    PodUsageRequest r;
    auto& c = r.candidate;
    c.key = key;
    c.uid = pod.uid;
    c.priority = podPriority(spec);
    c.critical = c.priority >= kCriticalPriority;
    c.terminationGracePeriodSeconds = obs->terminationGracePeriodSeconds;
    c.memoryRequest = podRequest(spec, &manifests::ResourceList::memoryBytes);
    c.storageRequest = podRequest(spec, &manifests::ResourceList::ephemeralStorageBytes);
    for (const auto* list : {&spec.containers, &spec.initContainers})
      for (const auto& container : *list)
        c.containers.push_back({container.name, std::nullopt,
                                container.resources.requests.memoryBytes.value_or(0), std::nullopt,
                                container.resources.requests.ephemeralStorageBytes.value_or(0)});
    r.podCgroup = obs->cgroupParent;
    for (const auto& running : obs->containers)
      if (running.running && !running.cgroupPath.empty())
        r.containerCgroups[running.name] = running.cgroupPath;
    r.storage = storageRequest(key, pod, *obs);
    out.push_back(std::move(r));
  }
  return out;
}

bool Reconciler::evict(const std::string& uid, std::string message, int64_t graceSeconds) {
  PodState* pod = podState(uid);
  if (!pod || !pod->observed || pod->nodeEviction) return false;
  pod->nodeEviction = PodState::NodeEviction{std::move(message), graceSeconds};
  return true;
}

int64_t Reconciler::stopGraceSeconds(const std::string& uid,
                                     const runtime::SandboxState& obs) const {
  const PodState* pod = podState(uid);
  if (pod && pod->nodeEviction) return pod->nodeEviction->graceSeconds;
  return obs.terminationGracePeriodSeconds;
}

void Reconciler::refusePressured(std::map<std::string, manifests::AdmitResult>& refused) const {
  if (nodeConditions_.empty()) return;
  for (const auto& [key, pod] : desired_) {
    if (refused.contains(key)) continue;
    // Running under this spec: admitted before; eviction, not admission, deals with it.
    if (const auto* obs = observed(pod.uid); obs && obs->specHash == pod.specHash) continue;
    const auto& spec = pod.pod.spec;
    auto why = pressureAdmission(nodeConditions_,
                                 manifests::qosClass(spec) == manifests::QosClass::BestEffort,
                                 podPriority(spec) >= kCriticalPriority);
    if (why) refused[key].problems.push_back({"Evicted", "", *why});
  }
}

std::vector<std::string> Reconciler::setNodeConditions(std::set<NodeCondition> conditions) {
  if (conditions == nodeConditions_) return {};
  for (auto c :
       {NodeCondition::MemoryPressure, NodeCondition::DiskPressure, NodeCondition::PIDPressure})
    if (conditions.contains(c) != nodeConditions_.contains(c))
      spdlog::warn("node condition {} is now {}", toString(c),
                   conditions.contains(c) ? "True" : "False");
  nodeConditions_ = std::move(conditions);
  auto refused = admissionRefusals_;
  refusePressured(refused);
  std::vector<std::string> changed;
  for (const auto& [key, pod] : desired_) {
    const auto* before = status_.refusal(key);
    auto after = refused.find(key);
    const bool was = before != nullptr, is = after != refused.end();
    if (was != is || (was && is && before->message() != after->second.message()))
      changed.push_back(key);
  }
  status_.setRefusals(std::move(refused));
  return changed;
}

}  // namespace podkeeper::reconciler
