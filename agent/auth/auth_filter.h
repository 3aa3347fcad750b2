#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "agent/auth/policy.h"
#include "agent/auth/token_file.h"
#include "agent/http/http_message.h"

// Authentication and authorization in front of the HTTPS port's router, the kubelet's chain
// without an API server: a verified client certificate (CN = user, O = groups), else a
// bearer token from the token file; then the policy for the path's subresource.
//   /healthz, /readyz                  anyone
//   /metrics, /metrics/*               metrics (anyone with anonymousMetrics)
//   /pods, /pods/NS/NAME[/events]      pods
//   /node (pressure conditions)        pods
//   /containerLogs/*, .../logpath      log
//   /exec/*, .../exec                  exec
//   anything else                      any authenticated user (then the router: 404)
// Refusals: 401 (no or a bad credential), 403 (not allowed); each is logged in one line and
// reported to `refused` with a reason: anonymous, invalid_token, forbidden.
namespace podkeeper::auth {

// The subresource a path needs; nullopt: only authentication.
std::optional<Resource> resourceOf(std::string_view path);
bool isHealthPath(std::string_view path);

struct AuthOptions {
  // The current token table (the file is reloaded when it changes); null: no tokens.
  std::function<const TokenTable*()> tokens;
  // null: every authenticated identity may do everything (no --authorization-policy-file).
  std::shared_ptr<const AuthorizationPolicy> policy;
  bool anonymousMetrics = false;
  std::function<void(std::string_view reason)> refused;
};

// Who sent the request: the client certificate first, then the bearer token. nullopt with
// invalidToken set when a token was sent that no entry has.
std::optional<Identity> authenticate(const http::HttpRequest& request, const TokenTable* tokens,
                                     bool& invalidToken);

http::Handler requireAuth(http::Handler inner, AuthOptions options);

}  // namespace podkeeper::auth
