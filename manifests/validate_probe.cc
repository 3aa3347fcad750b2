#include "manifests/validate_probe.h"

#include "manifests/names.h"
#include "manifests/validate_common.h"

namespace podkeeper::manifests {
namespace {

void validatePortRef(const PortRef& p, const Container& c, const std::string& field, Reporter& r) {
  if (p.name.empty()) {
    if (p.number < 1 || p.number > 65535) r.error(field, "must be between 1 and 65535");
    return;
  }
  if (auto why = checkPortName(p.name); !why.empty()) {
    r.error(field, quote(p.name) + " " + why);
    return;
  }
  for (const auto& port : c.ports) {
    if (port.name == p.name) return;
  }
  r.error(field, quote(p.name) + " is not the name of a port of container " + quote(c.name));
}

void validateHttpGet(const HTTPGetAction& h, const Container& c, const std::string& field,
                     Reporter& r) {
  validatePortRef(h.port, c, field + ".port", r);
  if (h.scheme != "HTTP" && h.scheme != "HTTPS") {
    r.error(field + ".scheme", quote(h.scheme) + " is not one of HTTP, HTTPS");
  }
  if (h.path.empty() || h.path.front() != '/')
    r.error(field + ".path", quote(h.path) + " must start with '/'");
  for (size_t i = 0; i < h.httpHeaders.size(); ++i) {
    if (h.httpHeaders[i].name.empty())
      r.error(at(field + ".httpHeaders", i) + ".name", "is required");
  }
}

void validateExec(const ExecAction& e, const std::string& field, Reporter& r) {
  if (e.command.empty()) r.error(field + ".command", "is required");
}

void atLeastOne(const std::string& field, const std::string& what, int32_t v, Reporter& r) {
  if (v < 1) r.error(field + "." + what, "must be greater than or equal to 1");
}

}  // namespace

void validateProbe(const Probe& p, ProbeKind kind, const Container& c, const std::string& field,
                   Reporter& r) {
  const ProbeHandler& h = p.handler;
  int handlers =
      h.exec.has_value() + h.httpGet.has_value() + h.tcpSocket.has_value() + h.grpc.has_value();
  if (handlers != 1) {
    r.error(field, handlers == 0 ? "one of exec, httpGet, tcpSocket, grpc is required"
                                 : "must have exactly one of exec, httpGet, tcpSocket, grpc");
  }
  if (h.exec) validateExec(*h.exec, field + ".exec", r);
  if (h.httpGet) validateHttpGet(*h.httpGet, c, field + ".httpGet", r);
  if (h.tcpSocket) validatePortRef(h.tcpSocket->port, c, field + ".tcpSocket.port", r);
  if (h.grpc && (h.grpc->port < 1 || h.grpc->port > 65535))
    r.error(field + ".grpc.port", std::to_string(h.grpc->port) + ": must be between 1 and 65535");
  if (p.initialDelaySeconds < 0) {
    r.error(field + ".initialDelaySeconds", "must be greater than or equal to 0");
  }
  atLeastOne(field, "timeoutSeconds", p.timeoutSeconds, r);
  atLeastOne(field, "periodSeconds", p.periodSeconds, r);
  atLeastOne(field, "successThreshold", p.successThreshold, r);
  atLeastOne(field, "failureThreshold", p.failureThreshold, r);
  if (kind != ProbeKind::Readiness && p.successThreshold != 1) {
    r.error(field + ".successThreshold", "must be 1 for liveness and startup probes");
  }
  if (p.terminationGracePeriodSeconds) {
    if (kind == ProbeKind::Readiness) {
      r.error(field + ".terminationGracePeriodSeconds", "must not be set for readiness probes");
    } else if (*p.terminationGracePeriodSeconds < 1) {
      r.error(field + ".terminationGracePeriodSeconds", "must be greater than or equal to 1");
    }
  }
}

void validateLifecycle(const Lifecycle& l, const Container& c, int64_t gracePeriodSeconds,
                       const std::string& field, Reporter& r) {
  for (const auto& [name, handler] :
       {std::pair{"postStart", &l.postStart}, std::pair{"preStop", &l.preStop}}) {
    if (!*handler) continue;
    const LifecycleHandler& h = **handler;
    const std::string f = field + "." + name;
    int handlers =
        h.exec.has_value() + h.httpGet.has_value() + h.sleep.has_value() + h.tcpSocket.has_value();
    if (handlers != 1) r.error(f, "must have exactly one of exec, httpGet, sleep, tcpSocket");
    // Accepted (and then never run: probe::lifecycleHandlerSpec), as the API server does.
    if (h.tcpSocket) validatePortRef(h.tcpSocket->port, c, f + ".tcpSocket.port", r);
    if (h.exec) validateExec(*h.exec, f + ".exec", r);
    if (h.httpGet) validateHttpGet(*h.httpGet, c, f + ".httpGet", r);
    if (h.sleep && (h.sleep->seconds < 0 || h.sleep->seconds > gracePeriodSeconds)) {
      r.error(f + ".sleep.seconds", "must be between 0 and terminationGracePeriodSeconds (" +
                                        std::to_string(gracePeriodSeconds) + ")");
    }
  }
}

}  // namespace podkeeper::manifests
