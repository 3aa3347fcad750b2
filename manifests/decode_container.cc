#include <cstdint>

#include "manifests/decode_parts.h"
#include "manifests/names.h"
#include "manifests/quantity.h"

namespace podkeeper::manifests::detail {
namespace {

void decodeEnvVar(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                  EnvVar& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.string("name", out.name);
  m.string("value", out.value);
  if (auto from = m.take("valueFrom")) {
    MapReader f(ctx, *from, m.child("valueFrom"));
    if (f.valid()) {
      EnvVarSource src;
      if (auto n = f.take("fieldRef")) src.fieldRef = decodeFieldRef(ctx, *n, f.child("fieldRef"));
      if (auto n = f.take("resourceFieldRef")) {
        src.resourceFieldRef = decodeResourceFieldRef(ctx, *n, f.child("resourceFieldRef"));
      }
      f.refuse("configMapKeyRef", noApiServer("a ConfigMap"));
      f.refuse("secretKeyRef", noApiServer("a Secret"));
      if (auto n = f.take("fileKeyRef")) {
        MapReader k(ctx, *n, f.child("fileKeyRef"));
        if (k.valid()) {
          FileKeySelector sel;
          k.string("volumeName", sel.volumeName);
          k.string("path", sel.path);
          k.string("key", sel.key);
          k.boolean("optional", sel.optional);
          k.finish();
          src.fileKeyRef = sel;
        }
      }
      f.finish();
      out.valueFrom = src;
    }
  }
  m.finish();
}

void decodePort(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                ContainerPort& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.string("name", out.name);
  m.integer32("containerPort", out.containerPort);
  m.string("protocol", out.protocol);
  m.integer32("hostPort", out.hostPort);
  m.noEffect("hostIP", "ports are not published by a node agent");
  m.finish();
}

void decodeVolumeMount(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                       VolumeMount& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.string("name", out.name);
  m.string("mountPath", out.mountPath);
  m.boolean("readOnly", out.readOnly);
  m.string("subPath", out.subPath);
  m.string("subPathExpr", out.subPathExpr);
  m.string("mountPropagation", out.mountPropagation);
  m.string("recursiveReadOnly", out.recursiveReadOnly);
  m.finish();
}

// A domain-qualified name outside kubernetes.io (the API's IsExtendedResourceName).
bool isExtendedResourceName(const std::string& name) {
  const size_t slash = name.find('/');
  if (slash == std::string::npos || name.starts_with("requests.")) return false;
  const std::string domain = name.substr(0, slash);
  if (domain == "kubernetes.io" || domain.ends_with(".kubernetes.io")) return false;
  return checkQualifiedName(name).empty();
}

void decodeQuantities(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                      ResourceList& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  auto read = [&](const char* key, bool cpu, std::optional<int64_t>& field) {
    auto n = m.take(key);
    std::string text;
    if (!n || !readScalarText(ctx, *n, m.child(key), text)) return;
    ScaledQuantity q = cpu ? parseCpuMilli(text) : parseBytes(text);
    if (!q.value) {
      ctx.error(*n, m.child(key), quoteValue(text) + " " + q.error);
    } else if (*q.value < 0) {
      ctx.error(*n, m.child(key), quoteValue(text) + " must not be negative");
    } else {
      field = q.value;
    }
  };
  read("cpu", true, out.cpuMilli);
  read("memory", false, out.memoryBytes);
  read("ephemeral-storage", false, out.ephemeralStorageBytes);
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (key.empty() || key == "cpu" || key == "memory" || key == "ephemeral-storage") continue;
    if (!isExtendedResourceName(key)) {
      m.refuse(key, "resource " + quoteValue(key) +
                        " is not supported (cpu, memory, ephemeral-storage and extended "
                        "resources such as example.com/dongle are)");
      continue;
    }
    auto n = m.take(key);
    std::string text;
    if (!n || !readScalarText(ctx, *n, m.child(key), text)) continue;
    ScaledQuantity milli = parseQuantity(text, 3);
    if (!milli.value) {
      ctx.error(*n, m.child(key), quoteValue(text) + " " + milli.error);
    } else if (*milli.value < 0 || *milli.value % 1000 != 0) {
      ctx.error(*n, m.child(key), quoteValue(text) + " must be a whole number");
    } else {
      out.extended[key] = *milli.value / 1000;
    }
  }
  m.finish();
}

}  // namespace

// Kubernetes: Always for :latest or an untagged image, else IfNotPresent.
std::string defaultPullPolicy(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!tagged || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void decodeResources(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                     ResourceRequirements& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  if (auto n = m.take("requests")) decodeQuantities(ctx, *n, m.child("requests"), out.requests);
  if (auto n = m.take("limits")) decodeQuantities(ctx, *n, m.child("limits"), out.limits);
  m.refuse("claims", noApiServer("a ResourceClaim"));
  m.finish();
  // Kubernetes defaults a missing request to its limit.
  if (!out.requests.cpuMilli) out.requests.cpuMilli = out.limits.cpuMilli;
  if (!out.requests.memoryBytes) out.requests.memoryBytes = out.limits.memoryBytes;
  if (!out.requests.ephemeralStorageBytes) {
    out.requests.ephemeralStorageBytes = out.limits.ephemeralStorageBytes;
  }
  for (const auto& [name, limit] : out.limits.extended) out.requests.extended.emplace(name, limit);
}

void decodeContainer(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                     Container& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.string("name", out.name);
  m.string("image", out.image);
  m.string("imagePullPolicy", out.imagePullPolicy);
  if (out.imagePullPolicy.empty()) out.imagePullPolicy = defaultPullPolicy(out.image);
  m.stringList("command", out.command);
  m.stringList("args", out.args);
  m.string("workingDir", out.workingDir);
  if (auto n = m.take("env")) {
    forEachElement(ctx, *n, m.child("env"), [&](const YAML::Node& e, const std::string& p) {
      decodeEnvVar(ctx, e, p, out.env.emplace_back());
    });
  }
  if (auto n = m.take("ports")) {
    forEachElement(ctx, *n, m.child("ports"), [&](const YAML::Node& e, const std::string& p) {
      decodePort(ctx, e, p, out.ports.emplace_back());
    });
  }
  if (auto n = m.take("volumeMounts")) {
    forEachElement(ctx, *n, m.child("volumeMounts"),
                   [&](const YAML::Node& e, const std::string& p) {
                     decodeVolumeMount(ctx, e, p, out.volumeMounts.emplace_back());
                   });
  }
  if (auto n = m.take("resources")) decodeResources(ctx, *n, m.child("resources"), out.resources);
  if (auto n = m.take("livenessProbe"))
    out.livenessProbe = decodeProbe(ctx, *n, m.child("livenessProbe"));
  if (auto n = m.take("readinessProbe"))
    out.readinessProbe = decodeProbe(ctx, *n, m.child("readinessProbe"));
  if (auto n = m.take("startupProbe"))
    out.startupProbe = decodeProbe(ctx, *n, m.child("startupProbe"));
  if (auto n = m.take("lifecycle")) out.lifecycle = decodeLifecycle(ctx, *n, m.child("lifecycle"));
  m.string("terminationMessagePath", out.terminationMessagePath);
  m.string("terminationMessagePolicy", out.terminationMessagePolicy);
  if (auto n = m.take("securityContext")) {
    out.securityContext = decodeSecurityContext(ctx, *n, m.child("securityContext"));
  }
  m.boolean("stdin", out.stdin);
  m.boolean("stdinOnce", out.stdinOnce);
  m.boolean("tty", out.tty);
  m.refuse("envFrom", noApiServer("ConfigMaps and Secrets"));
  m.refuse("volumeDevices", "is not supported: raw block volumes need a PersistentVolumeClaim");
  if (auto n = m.take("resizePolicy"))
    forEachElement(ctx, *n, m.child("resizePolicy"),
                   [&](const YAML::Node& e, const std::string& p) {
                     MapReader r(ctx, e, p);
                     if (!r.valid()) return;
                     ContainerResizePolicy& policy = out.resizePolicy.emplace_back();
                     r.string("resourceName", policy.resourceName);
                     r.string("restartPolicy", policy.restartPolicy);
                     r.finish();
                   });
  m.string("restartPolicy", out.restartPolicy);  // validated with the rules
  if (auto n = m.take("restartPolicyRules"))
    forEachElement(
        ctx, *n, m.child("restartPolicyRules"), [&](const YAML::Node& e, const std::string& p) {
          MapReader r(ctx, e, p);
          if (!r.valid()) return;
          ContainerRestartRule& rule = out.restartPolicyRules.emplace_back();
          r.string("action", rule.action);
          if (auto codes = r.take("exitCodes")) {
            MapReader x(ctx, *codes, r.child("exitCodes"));
            if (x.valid()) {
              rule.exitCodes.emplace();
              x.string("operator", rule.exitCodes->op);
              if (auto v = x.take("values"))
                forEachElement(ctx, *v, x.child("values"),
                               [&](const YAML::Node& value, const std::string& vp) {
                                 int64_t code = 0;
                                 if (!readInt(ctx, value, vp, code)) return;
                                 if (code < INT32_MIN || code > INT32_MAX)
                                   ctx.error(value, vp, "does not fit in a 32-bit integer");
                                 else
                                   rule.exitCodes->values.push_back(static_cast<int32_t>(code));
                               });
              x.finish();
            }
          }
          r.finish();
        });
  m.finish();
}

std::string noApiServer(const std::string& what) {
  return "refers to " + what + "; a node agent has no API server to resolve it";
}

}  // namespace podkeeper::manifests::detail
