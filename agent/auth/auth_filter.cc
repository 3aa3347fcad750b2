#include "agent/auth/auth_filter.h"

#include <spdlog/spdlog.h>

namespace podkeeper::auth {
namespace {

using http::HttpRequest;
using http::HttpResponse;

bool under(std::string_view path, std::string_view prefix) {
  return path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/');
}

std::string describe(const Identity& who) {
  std::string groups;
  for (const auto& g : who.groups) groups += (groups.empty() ? "" : ",") + g;
  return "user=" + who.user + " groups=[" + groups + "]";
}

HttpResponse unauthorized(const std::string& why) {
  HttpResponse r = HttpResponse::text(401, "Unauthorized: " + why + "\n");
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"podkeeper\"");
  return r;
}

}  // namespace

bool isHealthPath(std::string_view path) { return path == "/healthz" || path == "/readyz"; }

std::optional<Resource> resourceOf(std::string_view path) {
  if (under(path, "/metrics")) return Resource::Metrics;
  if (under(path, "/containerLogs") || path.ends_with("/logpath")) return Resource::Log;
  if (under(path, "/exec") || (under(path, "/pods") && path.ends_with("/exec")))
    return Resource::Exec;
  if (under(path, "/pods") || path == "/node") return Resource::Pods;
  return std::nullopt;
}

std::optional<Identity> authenticate(const HttpRequest& request, const TokenTable* tokens,
                                     bool& invalidToken) {
  invalidToken = false;
  if (request.peer) {
    Identity who{request.peer->commonName, request.peer->organizations};
    who.groups.push_back(kAuthenticatedGroup);
    return who;
  }
  std::string_view header = request.header("authorization");
  if (header.empty()) return std::nullopt;
  constexpr std::string_view kBearer = "Bearer ";
  if (header.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      })) {
    invalidToken = true;
    return std::nullopt;
  }
  std::string_view token = header.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  auto who = tokens ? tokens->authenticate(token) : std::nullopt;
  if (!who) {
    invalidToken = true;
    return std::nullopt;
  }
  who->groups.push_back(kAuthenticatedGroup);
  return who;
}

http::Handler requireAuth(http::Handler inner, AuthOptions o) {
  auto options = std::make_shared<const AuthOptions>(std::move(o));
  return [inner = std::move(inner), options](const HttpRequest& request) -> HttpResponse {
    if (isHealthPath(request.path)) return inner(request);
    const auto resource = resourceOf(request.path);
    auto refuse = [&](std::string_view reason, const std::string& detail, HttpResponse r) {
      spdlog::warn("http: {} {} {} from {}: {}", r.status, request.method, request.path,
                   request.remote.empty() ? "?" : request.remote, detail);
      if (options->refused) options->refused(reason);
      return r;
    };
    bool invalidToken = false;
    auto who = authenticate(request, options->tokens ? options->tokens() : nullptr, invalidToken);
    if (!who) {
      if (invalidToken)
        return refuse("invalid_token", "invalid bearer token",
                      unauthorized("invalid bearer token"));
      if (resource == Resource::Metrics && options->anonymousMetrics) return inner(request);
      return refuse("anonymous", "no credentials",
                    unauthorized("a client certificate or a bearer token is required"));
    }
    if (resource && options->policy && !options->policy->allows(*who, *resource)) {
      const std::string why = "Forbidden (" + describe(*who) + ", verb=get, resource=nodes, " +
                              "subresource=" + toString(*resource) + ")";
      return refuse("forbidden", why, HttpResponse::text(403, why + "\n"));
    }
    return inner(request);
  };
}

}  // namespace podkeeper::auth
