#include "manifests/admission.h"

#include <arpa/inet.h>

#include <algorithm>

#include "common/sysctl_names.h"
#include "manifests/apparmor.h"
#include "manifests/names.h"
#include "manifests/quantity.h"

namespace podkeeper::manifests {
namespace {

constexpr const char* kSysctlForbidden = "SysctlForbidden";
constexpr const char* kUnsupported = "UnsupportedPodSpec";

std::string quoted(const std::string& s) { return "\"" + s + "\""; }

struct AllowedSysctl {
  std::string name;  // a full name, or a prefix when prefix is set
  bool prefix = false;
};

std::vector<AllowedSysctl> allowlist(const AdmissionPolicy& policy) {
  std::vector<AllowedSysctl> out;
  for (const auto& s : safeSysctls()) out.push_back({s, false});
  for (const auto& p : policy.allowedUnsafeSysctls) {
    const std::string n = normalizeSysctlName(p);
    if (n.ends_with("*"))
      out.push_back({n.substr(0, n.size() - 1), true});
    else
      out.push_back({n, false});
  }
  return out;
}

// As the kubelet's patternAllowlist.validateSysctl: allowlisted, and not in a namespace the
// pod shares with the host (with hostNetwork the pod has the host's net and UTS namespaces).
std::string sysctlForbidden(const std::string& raw, const PodSpec& spec,
                            const std::vector<AllowedSysctl>& allowed) {
  const std::string name = normalizeSysctlName(raw);
  const std::string ns = sysctlNamespace(name);
  if (ns.empty()) return quoted(name) + " is not namespaced: it would change the whole node";
  bool listed = false;
  for (const auto& a : allowed)
    listed = listed || (a.prefix ? name.starts_with(a.name) : name == a.name);
  if (!listed) return quoted(name) + " not allowlisted";
  if (ns == "ipc" && spec.hostIPC) return quoted(name) + " not allowed with host ipc enabled";
  if ((ns == "net" || ns == "uts") && spec.hostNetwork)
    return quoted(name) + " not allowed with host net enabled";
  return "";
}

void admitSysctls(const PodSpec& spec, const AdmissionPolicy& policy, AdmitResult& out) {
  const auto& sysctls = spec.securityContext.sysctls;
  if (sysctls.empty()) return;
  const auto allowed = allowlist(policy);
  for (size_t i = 0; i < sysctls.size(); ++i) {
    std::string why = sysctlForbidden(sysctls[i].name, spec, allowed);
    if (!why.empty())
      out.problems.push_back({kSysctlForbidden,
                              "spec.securityContext.sysctls[" + std::to_string(i) + "].name",
                              "forbidden sysctl: " + why});
  }
}

bool isIpLiteral(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

// What this node cannot do for a container: it resolves no names.
void admitContainer(const Container& c, const std::string& path, AdmitResult& out) {
  auto refuse = [&](const std::string& field, const std::string& message) {
    out.problems.push_back({kUnsupported, path + "." + field, message});
  };
  auto checkTarget = [&](const std::string& field, const std::string& host) {
    if (!host.empty() && host != "localhost" && !isIpLiteral(host))
      refuse(
          field + ".host",
          quoted(host) + ": podkeeper connects to IP addresses only (it does not resolve names)");
  };
  for (const auto& [field, probe] : {std::pair{"livenessProbe", &c.livenessProbe},
                                     std::pair{"readinessProbe", &c.readinessProbe},
                                     std::pair{"startupProbe", &c.startupProbe}}) {
    if (!*probe) continue;
    const auto& h = (*probe)->handler;
    if (h.httpGet) checkTarget(std::string(field) + ".httpGet", h.httpGet->host);
    if (h.tcpSocket) checkTarget(std::string(field) + ".tcpSocket", h.tcpSocket->host);
  }
  if (c.lifecycle)
    for (const auto& [field, hook] : {std::pair{"lifecycle.postStart", &c.lifecycle->postStart},
                                      std::pair{"lifecycle.preStop", &c.lifecycle->preStop}})
      if (*hook && (*hook)->httpGet)
        checkTarget(std::string(field) + ".httpGet", (*hook)->httpGet->host);
}

}  // namespace

const std::vector<std::string>& safeSysctls() {
  static const std::vector<std::string> kSafe{"kernel.shm_rmid_forced",
                                              "net.ipv4.ip_local_port_range",
                                              "net.ipv4.tcp_syncookies",
                                              "net.ipv4.ping_group_range",
                                              "net.ipv4.ip_unprivileged_port_start",
                                              "net.ipv4.ip_local_reserved_ports",
                                              "net.ipv4.tcp_keepalive_time",
                                              "net.ipv4.tcp_fin_timeout",
                                              "net.ipv4.tcp_keepalive_intvl",
                                              "net.ipv4.tcp_keepalive_probes"};
  return kSafe;
}

std::string checkAllowedUnsafeSysctls(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    const std::string n = normalizeSysctlName(p);
    const bool prefix = n.ends_with("*");
    const std::string name = prefix ? n.substr(0, n.size() - 1) : n;
    // A prefix may end in a separator ("net.core."); the name check wants it without.
    const std::string bare = prefix && (name.ends_with(".") || name.ends_with("/"))
                                 ? name.substr(0, name.size() - 1)
                                 : name;
    if (auto why = checkSysctlName(bare); !why.empty())
      return "--allowed-unsafe-sysctls: " + quoted(p) + " " + why;
    if (sysctlNamespace(name).empty())
      return "--allowed-unsafe-sysctls: " + quoted(p) +
             " is not known to be namespaced; a pod may only set sysctls of its own namespaces";
  }
  return "";
}

std::string AdmitResult::reason() const { return problems.empty() ? "" : problems[0].reason; }

std::string AdmitResult::message() const {
  std::string out;
  for (const auto& p : problems)
    out += (out.empty() ? "" : "; ") + (p.field.empty() ? p.message : p.field + ": " + p.message);
  return out;
}

std::string addExtendedResource(const std::string& flag, AdmissionPolicy& policy) {
  const size_t eq = flag.find('=');
  const std::string name = flag.substr(0, eq);
  if (eq == std::string::npos || name.find('/') == std::string::npos ||
      !checkQualifiedName(name).empty() || name.find("kubernetes.io/") != std::string::npos)
    return "--extended-resource: " + quoted(flag) +
           " must be NAME=QUANTITY with a domain-qualified NAME outside kubernetes.io "
           "(example.com/dongle=4)";
  const auto milli = parseQuantity(flag.substr(eq + 1), 3);
  if (!milli.value || *milli.value < 0 || *milli.value % 1000 != 0)
    return "--extended-resource: " + quoted(flag) + ": the quantity must be a whole number";
  policy.extendedResources[name] = *milli.value / 1000;
  return "";
}

std::map<std::string, int64_t> podExtendedRequests(const PodSpec& spec) {
  std::map<std::string, int64_t> sidecars, initPeak, total;
  for (const auto& c : spec.initContainers) {
    for (const auto& [name, v] : c.resources.requests.extended) {
      if (isSidecar(c)) {
        sidecars[name] += v;
      } else {
        initPeak[name] = std::max(initPeak[name], sidecars[name] + v);
      }
    }
  }
  for (const auto& c : spec.containers)
    for (const auto& [name, v] : c.resources.requests.extended) total[name] += v;
  for (const auto& [name, v] : sidecars) total[name] += v;
  for (const auto& [name, v] : initPeak) total[name] = std::max(total[name], v);
  return total;
}

namespace {

// The kubelet's InsufficientResourceError, for one pod against what is left.
void admitExtended(const PodSpec& spec, const AdmissionPolicy& policy,
                   const std::map<std::string, int64_t>& used, AdmitResult& out) {
  for (const auto& [name, requested] : podExtendedRequests(spec)) {
    if (requested == 0) continue;
    const auto cap = policy.extendedResources.find(name);
    const int64_t capacity = cap == policy.extendedResources.end() ? 0 : cap->second;
    const auto u = used.find(name);
    const int64_t inUse = u == used.end() ? 0 : u->second;
    if (requested + inUse <= capacity) continue;
    out.problems.push_back(
        {"OutOf" + name, "spec.containers[*].resources.requests." + name,
         "Node didn't have enough resource: " + name + ", requested: " + std::to_string(requested) +
             ", used: " + std::to_string(inUse) + ", capacity: " + std::to_string(capacity)});
  }
}

}  // namespace

std::vector<AdmitResult> admitAll(const std::vector<const Pod*>& pods,
                                  const AdmissionPolicy& policy) {
  std::vector<AdmitResult> out;
  std::map<std::string, int64_t> used;
  for (const Pod* pod : pods) {
    AdmitResult verdict = admit(*pod, policy);
    if (verdict.admitted()) {
      admitExtended(pod->spec, policy, used, verdict);
      if (verdict.admitted())
        for (const auto& [name, v] : podExtendedRequests(pod->spec)) used[name] += v;
    }
    out.push_back(std::move(verdict));
  }
  return out;
}

AdmitResult admit(const Pod& pod, const AdmissionPolicy& policy) {
  AdmitResult out;
  // The kubelet's predicate admit handler (rejectPodAdmissionBasedOnOSField): a pod for
  // another OS than the node's.
  if (!pod.spec.osName.empty() && pod.spec.osName != "linux")
    out.problems.push_back({"PodOSNotSupported", "spec.os.name",
                            "Failed to admit pod as the OS field doesn't match node OS"});
  admitSysctls(pod.spec, policy, out);
  const auto& spec = pod.spec;
  for (size_t i = 0; i < spec.initContainers.size(); ++i)
    admitContainer(spec.initContainers[i], "spec.initContainers[" + std::to_string(i) + "]", out);
  for (size_t i = 0; i < spec.containers.size(); ++i)
    admitContainer(spec.containers[i], "spec.containers[" + std::to_string(i) + "]", out);
  // The kubelet's AppArmor admit handler: a profile other than Unconfined needs the host's
  // AppArmor (the container's init then sets it for the exec); never run unconfined instead.
  if (appArmorRequired(pod) && !policy.appArmorEnabled)
    out.problems.push_back({"AppArmor", "securityContext.appArmorProfile",
                            "Cannot enforce AppArmor: AppArmor is not enabled on the host"});
  if (out.admitted()) admitExtended(spec, policy, {}, out);
  return out;
}

}  // namespace podkeeper::manifests
