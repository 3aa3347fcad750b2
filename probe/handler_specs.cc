#include "probe/handler_specs.h"

namespace podkeeper::probe {
namespace {

int portNumber(const manifests::PortRef& ref, const manifests::Container& c) {
  if (ref.name.empty()) return ref.number;
  for (const auto& p : c.ports)
    if (p.name == ref.name) return p.containerPort;
  return 0;
}

void setTarget(HandlerSpec& s, const std::string& host, const manifests::PortRef& port,
               const manifests::Container& c, const manifests::DecodedPod& pod,
               const std::string& hostIP) {
  s.port = portNumber(port, c);
  if (!host.empty()) {
    s.podNetwork = false;
    s.address = host == "localhost" ? "127.0.0.1" : host;
  } else if (pod.pod.spec.hostNetwork) {
    s.podNetwork = false;
    s.address = hostIP.empty() ? "127.0.0.1" : hostIP;
  } else {
    s.podNetwork = true;
    s.address = "127.0.0.1";
  }
}

void setHttpGet(HandlerSpec& s, const manifests::HTTPGetAction& h, const manifests::Container& c,
                const manifests::DecodedPod& pod, const std::string& hostIP) {
  s.kind = HandlerKind::HttpGet;
  setTarget(s, h.host, h.port, c, pod, hostIP);
  s.https = h.scheme == "HTTPS";
  if (h.host == "localhost") s.serverName = h.host;
  s.path = h.path.empty() ? "/" : h.path;
  for (const auto& header : h.httpHeaders) s.headers.emplace_back(header.name, header.value);
}

HandlerSpec base(const manifests::Container& c, const manifests::DecodedPod& pod) {
  HandlerSpec s;
  s.sandboxUid = pod.uid;
  s.container = c.name;
  return s;
}

}  // namespace

HandlerSpec probeHandlerSpec(const manifests::Probe& probe, const manifests::Container& container,
                             const manifests::DecodedPod& pod, const std::string& hostIP) {
  HandlerSpec s = base(container, pod);
  s.timeoutMs = int64_t{probe.timeoutSeconds} * 1000;
  const auto& h = probe.handler;
  if (h.exec) {
    s.kind = HandlerKind::Exec;
    s.command = h.exec->command;
  } else if (h.httpGet) {
    setHttpGet(s, *h.httpGet, container, pod, hostIP);
  } else if (h.tcpSocket) {
    s.kind = HandlerKind::TcpSocket;
    setTarget(s, h.tcpSocket->host, h.tcpSocket->port, container, pod, hostIP);
  } else if (h.grpc) {
    // The kubelet dials the pod's own address (no host field): as tcpSocket without a host.
    s.kind = HandlerKind::Grpc;
    setTarget(s, "", manifests::PortRef{h.grpc->port, ""}, container, pod, hostIP);
    s.grpcService = h.grpc->service.value_or("");
  }
  return s;
}

HandlerSpec lifecycleHandlerSpec(const manifests::LifecycleHandler& handler,
                                 const manifests::Container& container,
                                 const manifests::DecodedPod& pod, const std::string& hostIP,
                                 int64_t timeoutMs) {
  HandlerSpec s = base(container, pod);
  s.timeoutMs = timeoutMs;
  if (handler.exec) {
    s.kind = HandlerKind::Exec;
    s.command = handler.exec->command;
  } else if (handler.httpGet) {
    setHttpGet(s, *handler.httpGet, container, pod, hostIP);
  } else if (handler.sleep) {
    s.kind = HandlerKind::Sleep;
    s.sleepMs = handler.sleep->seconds * 1000;
  } else if (handler.tcpSocket) {
    // The kubelet's handler runner has no case for it (pkg/kubelet/lifecycle/handlers.go).
    s.kind = HandlerKind::Refused;
    s.refusal =
        "Cannot run handler: invalid handler: tcpSocket is not supported in lifecycle "
        "hooks (deprecated; kept by the API for backward compatibility)";
  }
  return s;
}

}  // namespace podkeeper::probe
