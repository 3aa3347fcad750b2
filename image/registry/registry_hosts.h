#pragma once

#include <functional>
#include <string>
#include <vector>

#include "image/registry/http_client.h"

// Where a registry is reached and with which TLS files, in the containers convention:
// https://HOST[:PORT] with the system CAs plus, from <certsDir>/HOST[:PORT]/, `ca.crt` (an
// extra CA) and `client.cert` + `client.key` (a client certificate). A registry named by
// --insecure-registry is reached over plain http. docker.io is served by registry-1.docker.io.
namespace podkeeper::image::registry {

struct RegistryHostOptions {
  std::string certsDir = "/etc/containers/certs.d";
  std::vector<std::string> insecure;  // HOST[:PORT], exactly as in image references
};

struct RegistryEndpoint {
  std::string baseUrl;  // "https://registry.example:5000", no trailing slash
  TlsFiles tls;
  bool operator==(const RegistryEndpoint&) const = default;
};

// Pure but for `exists`, which says whether a file is there (the filesystem in production).
RegistryEndpoint registryEndpoint(const std::string& domain, const RegistryHostOptions& options,
                                  const std::function<bool(const std::string&)>& exists);

// The host[:port] of an absolute http(s) URL ("" when it has none), to tell whether a redirect
// leaves the registry's host.
std::string urlAuthority(const std::string& url);
// `location` (absolute, or a path on the same host) made absolute against `base`.
std::string resolveLocation(const std::string& base, const std::string& location);

}  // namespace podkeeper::image::registry
