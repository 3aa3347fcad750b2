#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// Registry credentials in the containers-auth.json(5) format, which is also Docker's
// config.json: {"auths": {"registry.example:5000": {"auth": base64("user:password")}}}.
// Keys may name a host ("host:port"), a repository or a namespace of it ("host/team/app",
// "host/team"), or be the legacy URL form ("https://index.docker.io/v1/"). Pure.
namespace podkeeper::image::registry {

struct Credentials {
  std::string username;
  std::string password;
  bool operator==(const Credentials&) const = default;
};

class AuthFile {
 public:
  AuthFile() = default;
  // `path` only names the file in errors. An entry that cannot be decoded is an error naming
  // the file and the key.
  static Result<AuthFile> parse(std::string_view json, const std::string& path);
  // Reads and parses `path` (at most 1 MiB); a missing file is an empty AuthFile.
  static Result<AuthFile> load(const std::string& path);

  // The most specific entry for `domain`/`repository` ("docker.io", "library/busybox"):
  // "docker.io/library/busybox", "docker.io/library", then "docker.io"; docker.io also
  // matches the keys "index.docker.io" and "https://index.docker.io/v1/".
  std::optional<Credentials> lookup(const std::string& domain, const std::string& repository) const;
  bool empty() const { return entries_.empty(); }

 private:
  std::map<std::string, Credentials> entries_;  // normalized key -> credentials
};

// Where podkeeper looks for auth.json without --registry-auth-file, in order; the first that
// exists is used: /etc/containers/auth.json (the system's, which a root service reads),
// $XDG_RUNTIME_DIR/containers/auth.json (podman login's), $HOME/.docker/config.json.
std::vector<std::string> defaultAuthFiles(const char* xdgRuntimeDir, const char* home);

// Standard base64 (RFC 4648) with padding; nullopt for anything else.
std::optional<std::string> decodeBase64(std::string_view in);
std::string encodeBase64(std::string_view in);

}  // namespace podkeeper::image::registry
