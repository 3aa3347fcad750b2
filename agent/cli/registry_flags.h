#pragma once

#include <CLI/CLI.hpp>

#include "image/registry/registry_config.h"

// The registry flags, the same on `podkeeper run` and `podkeeper image pull`.
namespace podkeeper::cli {

inline void addRegistryFlags(CLI::App& cmd, image::registry::RegistryConfig& c) {
  cmd.add_option("--registry-auth-file", c.authFile,
                 "Registry credentials (containers-auth.json(5)); default: the first of "
                 "/etc/containers/auth.json, $XDG_RUNTIME_DIR/containers/auth.json, "
                 "~/.docker/config.json");
  cmd.add_option("--insecure-registry", c.insecure,
                 "HOST[:PORT] of a registry reached over plain HTTP (repeatable)");
  cmd.add_option("--registry-certs-dir", c.certsDir,
                 "Per-registry TLS files: DIR/HOST[:PORT]/ca.crt, client.cert, client.key")
      ->capture_default_str();
}

}  // namespace podkeeper::cli
