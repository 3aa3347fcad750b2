#include "reconciler/pod_network.h"

#include <algorithm>
#include <cctype>

#include "manifests/quantity.h"

namespace podkeeper::reconciler {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

nlohmann::json portMappings(const manifests::PodSpec& spec) {
  nlohmann::json out = nlohmann::json::array();
  auto add = [&](const std::vector<manifests::Container>& cs) {
    for (const auto& c : cs)
      for (const auto& p : c.ports)
        if (p.hostPort > 0)
          out.push_back({{"hostPort", p.hostPort},
                         {"containerPort", p.containerPort},
                         {"protocol", lower(p.protocol)}});
  };
  add(spec.initContainers);
  add(spec.containers);
  return out;
}

// The bandwidth capability from the kubelet's annotations (bits per second).
nlohmann::json bandwidth(const std::map<std::string, std::string>& annotations) {
  nlohmann::json out = nlohmann::json::object();
  auto rate = [&](const char* annotation, const char* rateKey, const char* burstKey) {
    auto it = annotations.find(annotation);
    if (it == annotations.end()) return;
    auto q = manifests::parseBytes(it->second);
    if (!q.value || *q.value <= 0) return;
    out[rateKey] = *q.value;
    out[burstKey] = 2147483647;  // as the CRI plugins pass it: no burst limit of their own
  };
  rate("kubernetes.io/ingress-bandwidth", "ingressRate", "ingressBurst");
  rate("kubernetes.io/egress-bandwidth", "egressRate", "egressBurst");
  return out;
}

}  // namespace

runtime::network::Attachment podAttachment(const manifests::DecodedPod& pod,
                                           const std::string& netnsPath) {
  const auto& meta = pod.pod.metadata;
  const auto& spec = pod.pod.spec;
  runtime::network::Attachment a;
  a.containerId = pod.uid;
  a.netns = netnsPath;
  a.ifName = "eth0";
  a.args = {{"IgnoreUnknown", "1"},
            {"K8S_POD_NAMESPACE", meta.namespace_},
            {"K8S_POD_NAME", meta.name},
            {"K8S_POD_INFRA_CONTAINER_ID", pod.uid},
            {"K8S_POD_UID", pod.uid}};
  a.capabilityArgs["portMappings"] = portMappings(spec);
  if (auto bw = bandwidth(meta.annotations); !bw.empty()) a.capabilityArgs["bandwidth"] = bw;
  if (spec.dnsPolicy == "None" && spec.dnsConfig) {
    nlohmann::json opts = nlohmann::json::array();
    for (const auto& o : spec.dnsConfig->options)
      opts.push_back(o.value ? o.name + ":" + *o.value : o.name);
    a.capabilityArgs["dns"] = {{"servers", spec.dnsConfig->nameservers},
                               {"searches", spec.dnsConfig->searches},
                               {"options", opts}};
  }
  return a;
}

}  // namespace podkeeper::reconciler
