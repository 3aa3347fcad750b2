#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/error.h"

// The registry's answer to an unauthenticated request (RFC 7235 WWW-Authenticate), and the
// token endpoint's answer, parsed as pure functions.
namespace podkeeper::image::registry {

struct AuthChallenge {
  std::string scheme;                         // "bearer" or "basic", lower case
  std::map<std::string, std::string> params;  // realm, service, scope, ... (names lower case)
  bool operator==(const AuthChallenge&) const = default;
};

// `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a:pull"`.
// Only the first challenge of the header is read. Errors quote the header.
Result<AuthChallenge> parseAuthChallenge(std::string_view header);

struct BearerToken {
  std::string token;
  int64_t expiresInSeconds = 60;  // the distribution spec's default when the server says none
};

// {"token": "...", "access_token": "...", "expires_in": 300}: token, else access_token.
Result<BearerToken> parseTokenResponse(std::string_view body);

// The scope a pull of `repository` asks for: "repository:team/app:pull".
std::string pullScope(const std::string& repository);

}  // namespace podkeeper::image::registry
