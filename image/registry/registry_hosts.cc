#include "image/registry/registry_hosts.h"

#include <algorithm>

namespace podkeeper::image::registry {

RegistryEndpoint registryEndpoint(const std::string& domain, const RegistryHostOptions& options,
                                  const std::function<bool(const std::string&)>& exists) {
  RegistryEndpoint out;
  const bool insecure =
      std::find(options.insecure.begin(), options.insecure.end(), domain) != options.insecure.end();
  const std::string host = domain == "docker.io" ? "registry-1.docker.io" : domain;
  out.baseUrl = (insecure ? "http://" : "https://") + host;
  if (insecure) return out;
  const std::string dir = options.certsDir + "/" + domain + "/";
  if (exists(dir + "ca.crt")) out.tls.caFile = dir + "ca.crt";
  if (exists(dir + "client.cert") && exists(dir + "client.key")) {
    out.tls.certFile = dir + "client.cert";
    out.tls.keyFile = dir + "client.key";
  }
  return out;
}

std::string urlAuthority(const std::string& url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "";
  const size_t start = scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  return authority;
}

std::string resolveLocation(const std::string& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return location;
  const size_t scheme = base.find("://");
  const size_t pathStart =
      scheme == std::string::npos ? std::string::npos : base.find('/', scheme + 3);
  const std::string origin = base.substr(0, pathStart);
  if (location.starts_with("//")) return base.substr(0, scheme + 1) + location;
  if (location.starts_with("/")) return origin + location;
  const size_t lastSlash = base.rfind('/');
  return base.substr(0, lastSlash + 1) + location;
}

}  // namespace podkeeper::image::registry
