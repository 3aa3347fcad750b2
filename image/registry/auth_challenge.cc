#include "image/registry/auth_challenge.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <nlohmann/json.hpp>

namespace podkeeper::image::registry {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void skipSpace(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

bool isToken(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

Result<AuthChallenge> parseAuthChallenge(std::string_view h) {
  auto bad = [&](const std::string& why) {
    return fail(Error{EPROTO, "WWW-Authenticate \"" + std::string(h) + "\": " + why});
  };
  AuthChallenge out;
  size_t i = 0;
  skipSpace(h, i);
  const size_t start = i;
  while (i < h.size() && isToken(h[i])) ++i;
  if (i == start) return bad("no scheme");
  out.scheme = lower(h.substr(start, i - start));
  while (true) {
    skipSpace(h, i);
    if (i < h.size() && h[i] == ',') ++i;
    skipSpace(h, i);
    if (i >= h.size()) break;
    const size_t nameStart = i;
    while (i < h.size() && isToken(h[i])) ++i;
    if (i == nameStart) return bad("bad parameter at offset " + std::to_string(i));
    std::string name = lower(h.substr(nameStart, i - nameStart));
    skipSpace(h, i);
    if (i >= h.size() || h[i] != '=') break;  // a second challenge's scheme: stop at the first
    ++i;
    skipSpace(h, i);
    std::string value;
    if (i < h.size() && h[i] == '"') {
      ++i;
      while (i < h.size() && h[i] != '"') {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i++];
      }
      if (i >= h.size()) return bad("unterminated quoted value of " + name);
      ++i;
    } else {
      const size_t vs = i;
      while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
      value = std::string(h.substr(vs, i - vs));
    }
    out.params[name] = value;
  }
  if (out.scheme == "bearer" && !out.params.contains("realm")) return bad("Bearer without realm");
  return out;
}

Result<BearerToken> parseTokenResponse(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(Error{EPROTO, "token response is not a JSON object"});
  BearerToken out;
  for (const char* field : {"token", "access_token"})
    if (auto it = j.find(field);
        it != j.end() && it->is_string() && !it->get<std::string>().empty()) {
      out.token = it->get<std::string>();
      break;
    }
  if (out.token.empty())
    return fail(Error{EPROTO, "token response has neither token nor access_token"});
  if (auto it = j.find("expires_in");
      it != j.end() && it->is_number_integer() && it->get<int64_t>() > 0)
    out.expiresInSeconds = it->get<int64_t>();
  return out;
}

std::string pullScope(const std::string& repository) {
  return "repository:" + repository + ":pull";
}

}  // namespace podkeeper::image::registry
