#include "reconciler/pod_dns.h"

#include <algorithm>
#include <sstream>

namespace podkeeper::reconciler {
namespace {

constexpr size_t kMaxNameservers = 3;
constexpr size_t kMaxSearches = 32;

void appendUnique(std::vector<std::string>& to, const std::vector<std::string>& from) {
  for (const auto& v : from)
    if (std::find(to.begin(), to.end(), v) == to.end()) to.push_back(v);
}

std::string optionName(const std::string& o) { return o.substr(0, o.find(':')); }

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

}  // namespace

ResolvConf parseResolvConf(const std::string& text) {
  ResolvConf r;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (auto hash = line.find_first_of("#;"); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key, word;
    if (!(words >> key)) continue;
    std::vector<std::string> values;
    while (words >> word) values.push_back(word);
    if (key == "nameserver" && !values.empty()) {
      r.nameservers.push_back(values.front());
    } else if (key == "search" || key == "domain") {
      r.searches = values;  // the last search/domain line wins, as in glibc
    } else if (key == "options") {
      for (const auto& o : values) {
        std::erase_if(r.options,
                      [&](const std::string& have) { return optionName(have) == optionName(o); });
        r.options.push_back(o);
      }
    }
  }
  return r;
}

std::string renderResolvConf(const ResolvConf& r) {
  std::string out;
  for (const auto& ns : r.nameservers) out += "nameserver " + ns + "\n";
  if (!r.searches.empty()) out += "search " + joined(r.searches) + "\n";
  if (!r.options.empty()) out += "options " + joined(r.options) + "\n";
  return out;
}

bool isResolvedStub(const std::string& text) {
  const auto r = parseResolvConf(text);
  return r.nameservers.size() == 1 && r.nameservers.front() == "127.0.0.53";
}

PodDns podResolvConf(const manifests::PodSpec& spec, const std::string& nodeResolvConf) {
  PodDns out;
  ResolvConf r;
  const std::string& policy = spec.dnsPolicy;
  const bool cluster =
      policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && !spec.hostNetwork);
  if (cluster)
    out.warnings.emplace_back(
        "MissingClusterDNS",
        "pod: \"" + policy +
            "\". kubelet does not have ClusterDNS IP configured and cannot create Pod using \"" +
            policy + "\" policy. Falling back to \"Default\" policy.");
  if (policy != "None") r = parseResolvConf(nodeResolvConf);
  if (spec.dnsConfig) {
    appendUnique(r.nameservers, spec.dnsConfig->nameservers);
    appendUnique(r.searches, spec.dnsConfig->searches);
    for (const auto& o : spec.dnsConfig->options) {
      std::erase_if(r.options, [&](const std::string& have) { return optionName(have) == o.name; });
      r.options.push_back(o.value ? o.name + ":" + *o.value : o.name);
    }
  }
  if (r.nameservers.size() > kMaxNameservers) {
    r.nameservers.resize(kMaxNameservers);
    out.warnings.emplace_back("DNSConfigForming",
                              "Nameserver limits were exceeded, some nameservers have been "
                              "omitted, the applied nameserver line is: " +
                                  joined(r.nameservers));
  }
  if (r.searches.size() > kMaxSearches) {
    r.searches.resize(kMaxSearches);
    out.warnings.emplace_back("DNSConfigForming",
                              "Search Line limits were exceeded, some search paths have been "
                              "omitted, the applied search line is: " +
                                  joined(r.searches));
  }
  out.resolvConf = renderResolvConf(r);
  return out;
}

std::string podHostDomain(const manifests::Pod& pod) {
  const auto& spec = pod.spec;
  if (spec.subdomain.empty() || spec.hostnameOverride) return "";
  return spec.subdomain + "." + pod.metadata.namespace_ + ".svc." + kClusterDomain;
}

std::string podUtsHostname(const manifests::Pod& pod) {
  const std::string domain = podHostDomain(pod);
  const std::string name = manifests::podHostname(pod);
  if (!pod.spec.setHostnameAsFQDN || domain.empty() || pod.spec.hostNetwork) return name;
  return name + "." + domain;
}

}  // namespace podkeeper::reconciler
