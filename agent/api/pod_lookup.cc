#include "agent/api/pod_lookup.h"

#include <algorithm>
#include <tuple>

#include "agent/api/pod_view.h"
#include "manifests/identity.h"
#include "status/pod_status.h"

namespace podkeeper::api {
namespace {

template <typename Map>
auto valueOr(const Map& m, const std::string& key) -> typename Map::mapped_type {
  auto it = m.find(key);
  return it == m.end() ? typename Map::mapped_type{} : it->second;
}

status::PodStatusInput statusInput(const status::PodReader& r, const KnownPod& known,
                                   const PodApiOptions& options) {
  const auto& pod = known.pod;
  const std::string key = manifests::podKey(pod.pod.metadata.namespace_, pod.pod.metadata.name);
  status::PodStatusInput in;
  in.pod = &pod;
  const status::StatusStore& store = r.status();
  in.observed = r.observed(pod.uid);
  in.waiting = valueOr(store.waiting(), pod.uid);
  in.lastTerminated = valueOr(store.lastTerminated(), pod.uid);
  in.lastError = valueOr(store.lastErrors(), key);
  in.hostIP = options.hostIP;
  in.podIPs = r.podIPs(pod.uid);
  if (!known.deleting) in.refusal = store.refusal(key);
  if (auto it = store.resizes().find(pod.uid); it != store.resizes().end()) in.resize = it->second;
  if (options.probes) in.probes = options.probes(pod.uid);
  auto events = store.events().forPod(key);
  if (!events.empty()) in.firstSeenNs = events.front().timeNs;
  return in;
}

}  // namespace

std::optional<KnownPod> findPod(const status::PodReader& r, const std::string& ns,
                                const std::string& name) {
  const std::string key = manifests::podKey(ns, name);
  if (auto it = r.desired().find(key); it != r.desired().end()) return KnownPod{it->second, false};
  for (const auto* sandbox : r.observedSandboxes())
    if (sandbox->namespace_ == ns && sandbox->name == name)
      return KnownPod{podFromObserved(*sandbox), true};
  return std::nullopt;
}

std::vector<KnownPod> allPods(const status::PodReader& r) {
  std::vector<KnownPod> pods;
  for (const auto& [key, pod] : r.desired()) pods.push_back({pod, false});
  for (const auto* sandbox : r.observedSandboxes())
    if (!r.desired().contains(manifests::podKey(sandbox->namespace_, sandbox->name)))
      pods.push_back({podFromObserved(*sandbox), true});
  std::sort(pods.begin(), pods.end(), [](const KnownPod& a, const KnownPod& b) {
    const auto &x = a.pod.pod.metadata, &y = b.pod.pod.metadata;
    return std::tie(x.namespace_, x.name) < std::tie(y.namespace_, y.name);
  });
  return pods;
}

nlohmann::json podView(const status::PodReader& r, const KnownPod& known,
                       const PodApiOptions& options) {
  PodViewExtras extras;
  extras.nodeName = options.nodeName;
  if (known.deleting) extras.deletingSinceNs = options.nowNs();
  return podJson(known.pod, status::podStatus(statusInput(r, known, options)), extras);
}

}  // namespace podkeeper::api
