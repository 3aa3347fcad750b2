#include "manifests/decode_parts.h"

namespace podkeeper::manifests::detail {
namespace {

PortRef decodePortRef(DecodeContext& ctx, const YAML::Node& node, const std::string& path) {
  PortRef ref;
  if (!ctx.charge(node)) return ref;
  if (node.IsScalar() && classifyScalar(node) == ScalarKind::Int) {
    int64_t v = *parseYamlInt(node.Scalar());
    if (v < 1 || v > 65535) {
      ctx.error(node, path, quoteValue(node.Scalar()) + " must be between 1 and 65535");
    } else {
      ref.number = static_cast<int32_t>(v);
    }
  } else if (node.IsScalar() && classifyScalar(node) == ScalarKind::String) {
    readString(ctx, node, path, ref.name);
  } else {
    ctx.error(node, path, "expected a port number or a port name");
  }
  return ref;
}

ExecAction decodeExec(DecodeContext& ctx, const YAML::Node& node, const std::string& path) {
  ExecAction exec;
  MapReader m(ctx, node, path);
  if (!m.valid()) return exec;
  m.stringList("command", exec.command);
  m.finish();
  return exec;
}

HTTPGetAction decodeHttpGet(DecodeContext& ctx, const YAML::Node& node, const std::string& path) {
  HTTPGetAction get;
  MapReader m(ctx, node, path);
  if (!m.valid()) return get;
  m.string("path", get.path);
  if (get.path.empty()) get.path = "/";
  if (auto n = m.take("port")) get.port = decodePortRef(ctx, *n, m.child("port"));
  m.string("host", get.host);
  m.string("scheme", get.scheme);
  if (auto n = m.take("httpHeaders")) {
    forEachElement(ctx, *n, m.child("httpHeaders"), [&](const YAML::Node& e, const std::string& p) {
      MapReader h(ctx, e, p);
      if (!h.valid()) return;
      HTTPHeader& header = get.httpHeaders.emplace_back();
      h.string("name", header.name);
      h.string("value", header.value);
      h.finish();
    });
  }
  m.finish();
  return get;
}

TCPSocketAction decodeTcpSocket(DecodeContext& ctx, const YAML::Node& node,
                                const std::string& path) {
  TCPSocketAction tcp;
  MapReader m(ctx, node, path);
  if (!m.valid()) return tcp;
  if (auto n = m.take("port")) tcp.port = decodePortRef(ctx, *n, m.child("port"));
  m.string("host", tcp.host);
  m.finish();
  return tcp;
}

std::optional<LifecycleHandler> decodeLifecycleHandler(DecodeContext& ctx, const YAML::Node& node,
                                                       const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  LifecycleHandler h;
  if (auto n = m.take("exec")) h.exec = decodeExec(ctx, *n, m.child("exec"));
  if (auto n = m.take("httpGet")) h.httpGet = decodeHttpGet(ctx, *n, m.child("httpGet"));
  if (auto n = m.take("sleep")) {
    MapReader s(ctx, *n, m.child("sleep"));
    if (s.valid()) {
      h.sleep = SleepAction{};
      s.integer("seconds", h.sleep->seconds);
      s.finish();
    }
  }
  if (auto n = m.take("tcpSocket")) h.tcpSocket = decodeTcpSocket(ctx, *n, m.child("tcpSocket"));
  m.finish();
  return h;
}

}  // namespace

std::optional<Probe> decodeProbe(DecodeContext& ctx, const YAML::Node& node,
                                 const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  Probe p;
  if (auto n = m.take("exec")) p.handler.exec = decodeExec(ctx, *n, m.child("exec"));
  if (auto n = m.take("httpGet")) p.handler.httpGet = decodeHttpGet(ctx, *n, m.child("httpGet"));
  if (auto n = m.take("tcpSocket")) {
    p.handler.tcpSocket = decodeTcpSocket(ctx, *n, m.child("tcpSocket"));
  }
  if (auto n = m.take("grpc")) {
    MapReader g(ctx, *n, m.child("grpc"));
    if (g.valid()) {
      p.handler.grpc = GRPCAction{};
      g.integer32("port", p.handler.grpc->port);
      if (g.has("service")) {
        p.handler.grpc->service.emplace();
        g.string("service", *p.handler.grpc->service);
      }
      g.finish();
    }
  }
  // Kubernetes defaults a zero or missing timing field, so 0 means "default" here too.
  auto timing = [&](const char* key, int32_t& field, int32_t def) {
    m.integer32(key, field);
    if (field == 0) field = def;
  };
  m.integer32("initialDelaySeconds", p.initialDelaySeconds);
  timing("timeoutSeconds", p.timeoutSeconds, 1);
  timing("periodSeconds", p.periodSeconds, 10);
  timing("successThreshold", p.successThreshold, 1);
  timing("failureThreshold", p.failureThreshold, 3);
  m.integer("terminationGracePeriodSeconds", p.terminationGracePeriodSeconds);
  m.finish();
  return p;
}

std::optional<Lifecycle> decodeLifecycle(DecodeContext& ctx, const YAML::Node& node,
                                         const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  Lifecycle l;
  if (auto n = m.take("postStart"))
    l.postStart = decodeLifecycleHandler(ctx, *n, m.child("postStart"));
  if (auto n = m.take("preStop")) l.preStop = decodeLifecycleHandler(ctx, *n, m.child("preStop"));
  m.string("stopSignal", l.stopSignal);
  m.finish();
  return l;
}

std::optional<SeccompProfile> decodeSeccompProfile(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  SeccompProfile p;
  m.string("type", p.type);
  m.string("localhostProfile", p.localhostProfile);
  m.finish();
  return p;
}

std::optional<AppArmorProfile> decodeAppArmorProfile(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  AppArmorProfile p;
  m.string("type", p.type);
  m.string("localhostProfile", p.localhostProfile);
  m.finish();
  return p;
}

std::optional<SELinuxOptions> decodeSELinuxOptions(DecodeContext& ctx, const YAML::Node& node,
                                                   const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  SELinuxOptions o;
  m.string("user", o.user);
  m.string("role", o.role);
  m.string("type", o.type);
  m.string("level", o.level);
  m.finish();
  return o;
}

std::optional<SecurityContext> decodeSecurityContext(DecodeContext& ctx, const YAML::Node& node,
                                                     const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  SecurityContext sc;
  m.boolean("privileged", sc.privileged);
  if (auto n = m.take("capabilities")) {
    MapReader c(ctx, *n, m.child("capabilities"));
    if (c.valid()) {
      sc.capabilities = Capabilities{};
      c.stringList("add", sc.capabilities->add);
      c.stringList("drop", sc.capabilities->drop);
      c.finish();
    }
  }
  m.boolean("readOnlyRootFilesystem", sc.readOnlyRootFilesystem);
  m.integer("runAsUser", sc.runAsUser);
  m.integer("runAsGroup", sc.runAsGroup);
  m.boolean("runAsNonRoot", sc.runAsNonRoot);
  m.boolean("allowPrivilegeEscalation", sc.allowPrivilegeEscalation);
  if (auto n = m.take("seccompProfile")) {
    sc.seccompProfile = decodeSeccompProfile(ctx, *n, m.child("seccompProfile"));
  }
  m.string("procMount", sc.procMount);
  if (auto n = m.take("seLinuxOptions"))
    sc.seLinuxOptions = decodeSELinuxOptions(ctx, *n, m.child("seLinuxOptions"));
  if (auto n = m.take("appArmorProfile")) {
    sc.appArmorProfile = decodeAppArmorProfile(ctx, *n, m.child("appArmorProfile"));
  }
  m.refuse("windowsOptions", "is not supported: podkeeper runs Linux containers");
  m.finish();
  return sc;
}

}  // namespace podkeeper::manifests::detail
