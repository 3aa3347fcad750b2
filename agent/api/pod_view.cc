#include "agent/api/pod_view.h"

#include "manifests/pod_json.h"
#include "status/kube_time.h"

namespace podkeeper::api {

using nlohmann::json;

json podJson(const manifests::DecodedPod& pod, json status, const PodViewExtras& extras) {
  json j = manifests::podToJson(pod.pod);
  auto& meta = j["metadata"];
  meta["uid"] = pod.uid;
  // What the kubelet puts on a pod read from a file, so tools that look for them find them.
  meta["annotations"]["kubernetes.io/config.source"] = "file";
  meta["annotations"]["kubernetes.io/config.hash"] = pod.specHash;
  // The agent does not record when the manifest went away; the time it is asked is the
  // closest honest value (deletion happened no later than that).
  if (extras.deletingSinceNs) meta["deletionTimestamp"] = status::kubeTime(*extras.deletingSinceNs);
  if (!extras.nodeName.empty()) j["spec"]["nodeName"] = extras.nodeName;
  j["status"] = std::move(status);
  return j;
}

json podListJson(json items) {
  if (!items.is_array()) items = json::array();
  return {{"apiVersion", "v1"},
          {"kind", "PodList"},
          {"metadata", {{"resourceVersion", ""}}},
          {"items", std::move(items)}};
}

manifests::DecodedPod podFromObserved(const runtime::SandboxState& sandbox) {
  manifests::DecodedPod pod;
  pod.uid = sandbox.uid;
  pod.specHash = sandbox.specHash;
  pod.pod.metadata.name = sandbox.name;
  pod.pod.metadata.namespace_ = sandbox.namespace_;
  pod.pod.spec.terminationGracePeriodSeconds = sandbox.terminationGracePeriodSeconds;
  for (const auto& c : sandbox.containers) {
    manifests::Container container;
    container.name = c.name;
    container.image = c.image;
    pod.pod.spec.containers.push_back(std::move(container));
  }
  return pod;
}

}  // namespace podkeeper::api
