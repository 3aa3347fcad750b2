#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "image/registry/auth_file.h"
#include "image/registry/registry_client.h"

// What the user says about registries (flags of `podkeeper run` and `podkeeper image pull`).
namespace podkeeper::image::registry {

struct RegistryConfig {
  std::string authFile;                              // --registry-auth-file; "" = the default files
  std::vector<std::string> insecure;                 // --insecure-registry HOST[:PORT] (plain http)
  std::string certsDir = "/etc/containers/certs.d";  // --registry-certs-dir
};

RegistryOptions registryOptions(const RegistryConfig& config);

// --registry-auth-file when given (it must exist and parse), else the first of
// defaultAuthFiles(xdgRuntimeDir, home) that exists; none is anonymous.
Result<AuthFile> loadRegistryAuth(const RegistryConfig& config, const char* xdgRuntimeDir,
                                  const char* home);

}  // namespace podkeeper::image::registry
