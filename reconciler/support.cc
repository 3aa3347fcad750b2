#include "reconciler/support.h"

#include <arpa/inet.h>

namespace podkeeper::reconciler {
namespace {

bool isIpLiteral(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 ||
         ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

void checkContainer(const manifests::Container& c, const std::string& path,
                    std::vector<std::string>& out) {
  auto notYet = [&](const std::string& field, const std::string& what) {
    out.push_back(path + "." + field + ": " + what + " is not supported by this podkeeper yet");
  };
  auto checkTarget = [&](const std::string& field, const std::string& host,
                         const std::string& scheme) {
    if (scheme == "HTTPS")
      out.push_back(path + "." + field +
                    ".scheme: HTTPS is not supported by podkeeper (it has "
                    "no TLS client); use HTTP, a tcpSocket or an exec probe");
    if (!host.empty() && host != "localhost" && !isIpLiteral(host))
      out.push_back(path + "." + field + ".host: \"" + host +
                    "\": podkeeper connects to IP addresses only (it does not resolve names)");
  };
  for (const auto& [field, probe] : {std::pair{"livenessProbe", &c.livenessProbe},
                                     std::pair{"readinessProbe", &c.readinessProbe},
                                     std::pair{"startupProbe", &c.startupProbe}}) {
    if (!*probe) continue;
    const auto& h = (*probe)->handler;
    if (h.httpGet) checkTarget(std::string(field) + ".httpGet", h.httpGet->host, h.httpGet->scheme);
    if (h.tcpSocket) checkTarget(std::string(field) + ".tcpSocket", h.tcpSocket->host, "");
  }
  if (c.lifecycle)
    for (const auto& [field, hook] : {std::pair{"lifecycle.postStart", &c.lifecycle->postStart},
                                      std::pair{"lifecycle.preStop", &c.lifecycle->preStop}})
      if (*hook && (*hook)->httpGet)
        checkTarget(std::string(field) + ".httpGet", (*hook)->httpGet->host,
                    (*hook)->httpGet->scheme);
  if (c.securityContext) {
    const auto& sc = *c.securityContext;
    if (sc.procMount == "Unmasked") notYet("securityContext.procMount", "an unmasked /proc");
  }
}

}  // namespace

std::vector<std::string> unsupportedFields(const manifests::Pod& pod) {
  std::vector<std::string> out;
  const auto& spec = pod.spec;
  for (size_t i = 0; i < spec.initContainers.size(); ++i)
    checkContainer(spec.initContainers[i], "spec.initContainers[" + std::to_string(i) + "]", out);
  for (size_t i = 0; i < spec.containers.size(); ++i)
    checkContainer(spec.containers[i], "spec.containers[" + std::to_string(i) + "]", out);
  return out;
}

std::vector<std::string> needsHandlers(const manifests::Pod& pod) {
  std::vector<std::string> out;
  auto check = [&](const std::vector<manifests::Container>& list, const std::string& at) {
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& c = list[i];
      const std::string path = at + "[" + std::to_string(i) + "].";
      for (const auto& [field, set] :
           {std::pair{"livenessProbe", c.livenessProbe.has_value()},
            std::pair{"readinessProbe", c.readinessProbe.has_value()},
            std::pair{"startupProbe", c.startupProbe.has_value()},
            std::pair{"lifecycle",
                      c.lifecycle && (c.lifecycle->postStart || c.lifecycle->preStop)}})
        if (set)
          out.push_back(path + field +
                        ": probes and lifecycle hooks need a handler runner, and this reconciler "
                        "has none");
    }
  };
  check(pod.spec.initContainers, "spec.initContainers");
  check(pod.spec.containers, "spec.containers");
  return out;
}

}  // namespace podkeeper::reconciler
