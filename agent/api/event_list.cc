#include "agent/api/event_list.h"

#include "status/kube_time.h"

namespace podkeeper::api {
namespace {

using nlohmann::json;

json involvedObject(const manifests::DecodedPod& pod, const status::PodEvent& e) {
  json o = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"namespace", pod.pod.metadata.namespace_},
            {"name", pod.pod.metadata.name},
            {"uid", pod.uid}};
  if (!e.container.empty()) o["fieldPath"] = "spec.containers{" + e.container + "}";
  return o;
}

json event(const manifests::DecodedPod& pod, const status::PodEvent& e, size_t index,
           const std::string& nodeName) {
  json source = {{"component", "kubelet"}};
  if (!nodeName.empty()) source["host"] = nodeName;
  return {{"metadata",
           {{"name", pod.pod.metadata.name + "." + std::to_string(index)},
            {"namespace", pod.pod.metadata.namespace_}}},
          {"involvedObject", involvedObject(pod, e)},
          {"type", e.type},
          {"reason", e.reason},
          {"message", e.message},
          {"count", e.count},
          {"firstTimestamp", status::kubeTime(e.timeNs)},
          {"lastTimestamp", status::kubeTime(e.lastTimeNs ? e.lastTimeNs : e.timeNs)},
          {"source", std::move(source)},
          {"reportingComponent", "podkeeper"}};
}

}  // namespace

json eventListJson(const manifests::DecodedPod& pod, const std::vector<status::PodEvent>& events,
                   const std::string& nodeName) {
  json items = json::array();
  for (size_t i = 0; i < events.size(); ++i) items.push_back(event(pod, events[i], i, nodeName));
  return {{"apiVersion", "v1"},
          {"kind", "EventList"},
          {"metadata", {{"resourceVersion", ""}}},
          {"items", std::move(items)}};
}

}  // namespace podkeeper::api
