#include "manifests/decode_parts.h"

namespace podkeeper::manifests::detail {
namespace {

void decodeRestartPolicy(MapReader& m, RestartPolicy& out) {
  std::string policy;
  m.string("restartPolicy", policy);
  if (policy.empty() || policy == "Always") {
    out = RestartPolicy::Always;
  } else if (policy == "OnFailure") {
    out = RestartPolicy::OnFailure;
  } else if (policy == "Never") {
    out = RestartPolicy::Never;
  } else {
    m.ctx().error(m.child("restartPolicy"),
                  quoteValue(policy) + " is not one of Always, OnFailure, Never");
  }
}

void decodeHostAliases(MapReader& m, std::vector<HostAlias>& out) {
  auto n = m.take("hostAliases");
  if (!n) return;
  DecodeContext& ctx = m.ctx();
  forEachElement(ctx, *n, m.child("hostAliases"), [&](const YAML::Node& e, const std::string& p) {
    MapReader a(ctx, e, p);
    if (!a.valid()) return;
    HostAlias& alias = out.emplace_back();
    a.string("ip", alias.ip);
    a.stringList("hostnames", alias.hostnames);
    a.finish();
  });
}

std::optional<PodDNSConfig> decodeDnsConfig(DecodeContext& ctx, const YAML::Node& node,
                                            const std::string& path) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return std::nullopt;
  PodDNSConfig c;
  m.stringList("nameservers", c.nameservers);
  m.stringList("searches", c.searches);
  if (auto n = m.take("options")) {
    forEachElement(ctx, *n, m.child("options"), [&](const YAML::Node& e, const std::string& p) {
      MapReader o(ctx, e, p);
      if (!o.valid()) return;
      PodDNSConfigOption& opt = c.options.emplace_back();
      o.string("name", opt.name);
      if (auto v = o.take("value")) {
        std::string s;
        if (readString(ctx, *v, o.child("value"), s)) opt.value = s;
      }
      o.finish();
    });
  }
  m.finish();
  return c;
}

void decodePodSecurityContext(DecodeContext& ctx, const YAML::Node& node, const std::string& path,
                              PodSecurityContext& out) {
  MapReader m(ctx, node, path);
  if (!m.valid()) return;
  m.integer("runAsUser", out.runAsUser);
  m.integer("runAsGroup", out.runAsGroup);
  m.boolean("runAsNonRoot", out.runAsNonRoot);
  if (auto n = m.take("supplementalGroups")) {
    forEachElement(ctx, *n, m.child("supplementalGroups"),
                   [&](const YAML::Node& e, const std::string& p) {
                     int64_t gid = 0;
                     if (readInt(ctx, e, p, gid)) out.supplementalGroups.push_back(gid);
                   });
  }
  m.integer("fsGroup", out.fsGroup);
  m.string("fsGroupChangePolicy", out.fsGroupChangePolicy);
  if (auto n = m.take("sysctls")) {
    forEachElement(ctx, *n, m.child("sysctls"), [&](const YAML::Node& e, const std::string& p) {
      MapReader s(ctx, e, p);
      if (!s.valid()) return;
      Sysctl& sysctl = out.sysctls.emplace_back();
      s.string("name", sysctl.name);
      s.string("value", sysctl.value);
      s.finish();
    });
  }
  if (auto n = m.take("seccompProfile")) {
    out.seccompProfile = decodeSeccompProfile(ctx, *n, m.child("seccompProfile"));
  }
  m.string("supplementalGroupsPolicy", out.supplementalGroupsPolicy);
  if (auto n = m.take("seLinuxOptions"))
    out.seLinuxOptions = decodeSELinuxOptions(ctx, *n, m.child("seLinuxOptions"));
  m.string("seLinuxChangePolicy", out.seLinuxChangePolicy);
  if (auto n = m.take("appArmorProfile")) {
    out.appArmorProfile = decodeAppArmorProfile(ctx, *n, m.child("appArmorProfile"));
  }
  m.refuse("windowsOptions", "is not supported: podkeeper runs Linux containers");
  m.finish();
}

void decodeContainerList(MapReader& m, const char* key, std::vector<Container>& out) {
  auto n = m.take(key);
  if (!n) return;
  DecodeContext& ctx = m.ctx();
  forEachElement(ctx, *n, m.child(key), [&](const YAML::Node& e, const std::string& p) {
    decodeContainer(ctx, e, p, out.emplace_back());
  });
}

void markClusterOnlyFields(MapReader& m) {
  const std::string scheduling = "there is no scheduler; the pod runs on this node";
  for (const char* key :
       {"tolerations", "nodeSelector", "affinity", "nodeName", "topologySpreadConstraints",
        "preemptionPolicy", "schedulingGates", "runtimeClassName", "overhead", "readinessGates"}) {
    m.noEffect(key, scheduling);
  }
  m.refuse("imagePullSecrets", noApiServer("Secrets") + "; images are local");
  m.refuse("resourceClaims", noApiServer("ResourceClaims"));
  m.refuse("ephemeralContainers",
           "is not supported: ephemeral containers are added to a running pod through the API "
           "server's ephemeralcontainers subresource");
}

// serviceAccountName is the pod's own field (the downward API reads it); serviceAccount is its
// deprecated alias, copied as the API server's defaulting does. A token is never mounted.
void decodeServiceAccount(MapReader& m, PodSpec& out) {
  m.string("serviceAccountName", out.serviceAccountName);
  std::string alias;
  m.string("serviceAccount", alias);
  if (out.serviceAccountName.empty()) out.serviceAccountName = alias;
  m.boolean("automountServiceAccountToken", out.automountServiceAccountToken);
  if (out.automountServiceAccountToken.value_or(false)) {
    m.ctx().error(m.child("automountServiceAccountToken"),
                  noApiServer("a ServiceAccount token") + "; set it to false or remove it");
  } else if (!out.serviceAccountName.empty() && !out.automountServiceAccountToken) {
    m.ctx().warning(m.child("serviceAccountName"),
                    "no ServiceAccount token is mounted (a node agent has no API server to "
                    "issue one); set automountServiceAccountToken: false to say so");
  }
}

}  // namespace

void decodePodSpec(DecodeContext& ctx, const YAML::Node& node, PodSpec& out) {
  MapReader m(ctx, node, "spec");
  if (!m.valid()) return;
  decodeContainerList(m, "initContainers", out.initContainers);
  decodeContainerList(m, "containers", out.containers);
  decodeRestartPolicy(m, out.restartPolicy);
  m.integer("terminationGracePeriodSeconds", out.terminationGracePeriodSeconds);
  m.integer("activeDeadlineSeconds", out.activeDeadlineSeconds);
  m.boolean("hostNetwork", out.hostNetwork);
  m.boolean("hostPID", out.hostPID);
  m.boolean("hostIPC", out.hostIPC);
  m.boolean("shareProcessNamespace", out.shareProcessNamespace);
  m.string("hostname", out.hostname);
  m.string("subdomain", out.subdomain);
  m.boolean("setHostnameAsFQDN", out.setHostnameAsFQDN);
  if (auto n = m.take("hostnameOverride")) {
    std::string h;
    if (readString(ctx, *n, m.child("hostnameOverride"), h)) out.hostnameOverride = h;
  }
  decodeServiceAccount(m, out);
  decodeHostAliases(m, out.hostAliases);
  m.string("dnsPolicy", out.dnsPolicy);
  if (out.dnsPolicy.empty()) out.dnsPolicy = "ClusterFirst";
  if (auto n = m.take("dnsConfig")) out.dnsConfig = decodeDnsConfig(ctx, *n, m.child("dnsConfig"));
  if (auto n = m.take("volumes")) {
    forEachElement(ctx, *n, m.child("volumes"), [&](const YAML::Node& e, const std::string& p) {
      decodeVolume(ctx, e, p, out.volumes.emplace_back());
    });
  }
  if (auto n = m.take("securityContext")) {
    decodePodSecurityContext(ctx, *n, m.child("securityContext"), out.securityContext);
  }
  if (auto n = m.take("resources")) {
    out.resources = ResourceRequirements{};
    decodeResources(ctx, *n, m.child("resources"), *out.resources);
  }
  m.boolean("enableServiceLinks", out.enableServiceLinks);
  m.integer32("priority", out.priority);
  m.string("priorityClassName", out.priorityClassName);
  m.string("schedulerName", out.schedulerName);
  if (out.schedulerName.empty()) out.schedulerName = "default-scheduler";
  markClusterOnlyFields(m);
  m.boolean("hostUsers", out.hostUsers);
  if (auto n = m.take("os")) {
    MapReader os(ctx, *n, m.child("os"));
    if (os.valid()) {
      os.string("name", out.osName);
      os.finish();
    }
  }
  m.finish();
}

}  // namespace podkeeper::manifests::detail
