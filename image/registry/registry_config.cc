#include "image/registry/registry_config.h"

#include <sys/stat.h>

#include <cerrno>

namespace podkeeper::image::registry {

RegistryOptions registryOptions(const RegistryConfig& config) {
  RegistryOptions o;
  o.hosts.certsDir = config.certsDir;
  o.hosts.insecure = config.insecure;
  return o;
}

Result<AuthFile> loadRegistryAuth(const RegistryConfig& config, const char* xdgRuntimeDir,
                                  const char* home) {
  struct stat st {};
  if (!config.authFile.empty()) {
    if (::stat(config.authFile.c_str(), &st) != 0)
      return failSys(errno, "--registry-auth-file " + config.authFile);
    return AuthFile::load(config.authFile);
  }
  for (const auto& path : defaultAuthFiles(xdgRuntimeDir, home))
    if (::stat(path.c_str(), &st) == 0) return AuthFile::load(path);
  return AuthFile{};
}

}  // namespace podkeeper::image::registry
