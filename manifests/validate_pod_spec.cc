#include <limits>
#include <set>

#include "manifests/names.h"
#include "manifests/validate.h"
#include "manifests/validate_common.h"

namespace podkeeper::manifests {
namespace {

void validateDns(const PodSpec& spec, Reporter& r) {
  static const std::set<std::string> kPolicies{"ClusterFirst", "ClusterFirstWithHostNet", "Default",
                                               "None"};
  if (!kPolicies.count(spec.dnsPolicy)) {
    r.error("spec.dnsPolicy", quote(spec.dnsPolicy) +
                                  " is not one of ClusterFirst, ClusterFirstWithHostNet, "
                                  "Default, None");
  }
  if (spec.dnsPolicy == "None" && (!spec.dnsConfig || spec.dnsConfig->nameservers.empty())) {
    r.error("spec.dnsConfig.nameservers",
            "at least one nameserver is required when dnsPolicy is None");
  }
  if (!spec.dnsConfig) return;
  const PodDNSConfig& c = *spec.dnsConfig;
  if (c.nameservers.size() > 3) r.error("spec.dnsConfig.nameservers", "at most 3 nameservers");
  for (size_t i = 0; i < c.nameservers.size(); ++i) {
    if (auto why = checkIp(c.nameservers[i]); !why.empty()) {
      r.error(at("spec.dnsConfig.nameservers", i), quote(c.nameservers[i]) + " " + why);
    }
  }
  if (c.searches.size() > 32) r.error("spec.dnsConfig.searches", "at most 32 search domains");
  for (size_t i = 0; i < c.options.size(); ++i) {
    if (c.options[i].name.empty())
      r.error(at("spec.dnsConfig.options", i) + ".name", "is required");
  }
}

void validateHostAliases(const PodSpec& spec, Reporter& r) {
  for (size_t i = 0; i < spec.hostAliases.size(); ++i) {
    const HostAlias& a = spec.hostAliases[i];
    const std::string field = at("spec.hostAliases", i);
    if (auto why = checkIp(a.ip); !why.empty()) r.error(field + ".ip", quote(a.ip) + " " + why);
    for (size_t j = 0; j < a.hostnames.size(); ++j) {
      if (auto why = checkDns1123Subdomain(a.hostnames[j]); !why.empty()) {
        r.error(at(field + ".hostnames", j), quote(a.hostnames[j]) + " " + why);
      }
    }
  }
}

void validatePodSecurity(const PodSpec& spec, Reporter& r) {
  const PodSecurityContext& s = spec.securityContext;
  const std::string base = "spec.securityContext";
  checkId(s.runAsUser, base + ".runAsUser", r);
  checkId(s.runAsGroup, base + ".runAsGroup", r);
  checkId(s.fsGroup, base + ".fsGroup", r);
  if (!s.fsGroupChangePolicy.empty() && s.fsGroupChangePolicy != "OnRootMismatch" &&
      s.fsGroupChangePolicy != "Always") {
    r.error(base + ".fsGroupChangePolicy",
            quote(s.fsGroupChangePolicy) + " is not one of OnRootMismatch, Always");
  }
  if (!s.supplementalGroupsPolicy.empty() && s.supplementalGroupsPolicy != "Merge" &&
      s.supplementalGroupsPolicy != "Strict") {
    r.error(base + ".supplementalGroupsPolicy",
            "Unsupported value: " + quote(s.supplementalGroupsPolicy) +
                ": supported values: \"Merge\", \"Strict\"");
  }
  for (size_t i = 0; i < s.supplementalGroups.size(); ++i) {
    checkId(s.supplementalGroups[i], at(base + ".supplementalGroups", i), r);
  }
  for (size_t i = 0; i < s.sysctls.size(); ++i) {
    const std::string field = at(base + ".sysctls", i) + ".name";
    const std::string& name = s.sysctls[i].name;
    // Which sysctls this node allows, and with which host namespaces, is admission's call.
    if (auto why = checkSysctlName(name); !why.empty()) r.error(field, quote(name) + " " + why);
  }
  checkSeccomp(s.seccompProfile, base + ".seccompProfile", r);
  if (!s.seLinuxChangePolicy.empty() && s.seLinuxChangePolicy != "Recursive" &&
      s.seLinuxChangePolicy != "MountOption") {
    r.error(base + ".seLinuxChangePolicy",
            "Unsupported value: " + quote(s.seLinuxChangePolicy) +
                ": supported values: \"MountOption\", \"Recursive\"");
  }
}

}  // namespace

void validatePodSpec(const PodSpec& spec, Reporter& r) {
  if (spec.containers.empty()) r.error("spec.containers", "at least one container is required");
  if (spec.terminationGracePeriodSeconds < 0) {
    r.error("spec.terminationGracePeriodSeconds", "must be greater than or equal to 0");
  }
  if (spec.activeDeadlineSeconds && *spec.activeDeadlineSeconds < 1) {
    r.error("spec.activeDeadlineSeconds", "must be greater than or equal to 1");
  }
  if (!spec.hostname.empty()) {
    if (auto why = checkDns1123Label(spec.hostname); !why.empty()) {
      r.error("spec.hostname", quote(spec.hostname) + " " + why);
    }
  }
  if (!spec.subdomain.empty()) {
    if (auto why = checkDns1123Label(spec.subdomain); !why.empty()) {
      r.error("spec.subdomain", quote(spec.subdomain) + " " + why);
    }
  }
  if (spec.hostnameOverride) {
    const std::string& h = *spec.hostnameOverride;
    if (auto why = checkDns1123Subdomain(h); !why.empty()) {
      r.error("spec.hostnameOverride", quote(h) + " " + why);
    } else if (h.size() > 64) {
      r.error("spec.hostnameOverride", quote(h) + " must be no more than 64 characters");
    }
    if (spec.hostNetwork)
      r.error("spec.hostnameOverride", "may not be set when hostNetwork is true");
  }
  if (!spec.serviceAccountName.empty()) {
    if (auto why = checkDns1123Subdomain(spec.serviceAccountName); !why.empty()) {
      r.error("spec.serviceAccountName", quote(spec.serviceAccountName) + " " + why);
    }
  }
  if (spec.shareProcessNamespace && spec.hostPID) {
    r.error("spec.shareProcessNamespace", "cannot be set together with hostPID");
  }
  // The API server's: a user namespace is not combined with the host's other namespaces.
  if (!spec.hostUsers) {
    const std::pair<const char*, bool> hostNamespaces[] = {{"spec.hostNetwork", spec.hostNetwork},
                                                           {"spec.hostPID", spec.hostPID},
                                                           {"spec.hostIPC", spec.hostIPC}};
    for (const auto& [field, set] : hostNamespaces)
      if (set) r.error(field, "Forbidden: when `hostUsers` is false");
  }
  if (!spec.osName.empty() && spec.osName != "linux" && spec.osName != "windows") {
    r.error("spec.os.name", "Unsupported value: " + quote(spec.osName) +
                                ": supported values: \"linux\", \"windows\"");
  }
  validateHostAliases(spec, r);
  validateDns(spec, r);
  validatePodSecurity(spec, r);
  validatePodResources(spec, r);
}

}  // namespace podkeeper::manifests
