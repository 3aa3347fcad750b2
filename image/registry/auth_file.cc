#include "image/registry/auth_file.h"

#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace podkeeper::image::registry {
namespace {

constexpr size_t kMaxAuthFileBytes = 1 << 20;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// "https://index.docker.io/v1/" -> "docker.io"; "http://h:5000/" -> "h:5000"; "h/a/" -> "h/a".
std::string normalizeKey(std::string key) {
  for (std::string_view scheme : {"https://", "http://"})
    if (key.starts_with(scheme)) key.erase(0, scheme.size());
  while (key.ends_with("/")) key.pop_back();
  for (std::string_view api : {"/v1", "/v2"})
    if (key.ends_with(api)) key.erase(key.size() - api.size());
  for (std::string_view alias : {"index.docker.io", "registry-1.docker.io"})
    if (key == alias || key.starts_with(std::string(alias) + "/"))
      key = "docker.io" + key.substr(alias.size());
  return key;
}

}  // namespace

std::optional<std::string> decodeBase64(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '=') {
      if (i + 2 < in.size()) return std::nullopt;
      ++pad;
      continue;
    }
    if (pad) return std::nullopt;
    const size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string encodeBase64(std::string_view in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    if (i + 1 < in.size()) v |= uint8_t(in[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

Result<AuthFile> AuthFile::parse(std::string_view json, const std::string& path) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Error{EINVAL, path + ": not a JSON object"});
  AuthFile out;
  auto auths = j.find("auths");
  if (auths == j.end()) return out;
  if (!auths->is_object()) return fail(Error{EINVAL, path + ": auths: not an object"});
  for (const auto& [key, entry] : auths->items()) {
    const std::string where = path + ": auths[\"" + key + "\"]";
    if (!entry.is_object()) return fail(Error{EINVAL, where + ": not an object"});
    auto auth = entry.find("auth");
    if (auth == entry.end()) continue;  // identitytoken only, or a credential helper's entry
    if (!auth->is_string()) return fail(Error{EINVAL, where + ".auth: not a string"});
    auto decoded = decodeBase64(auth->get<std::string>());
    if (!decoded) return fail(Error{EINVAL, where + ".auth: not base64"});
    const size_t colon = decoded->find(':');
    if (colon == std::string::npos)
      return fail(Error{EINVAL, where + ".auth: not base64 of \"user:password\""});
    out.entries_[normalizeKey(key)] =
        Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
  }
  return out;
}

Result<AuthFile> AuthFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return AuthFile{};
    return failSys(errno, "reading " + path);
  }
  std::string text(kMaxAuthFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxAuthFileBytes) return fail(Error{EFBIG, path + ": larger than 1 MiB"});
  return parse(text, path);
}

std::optional<Credentials> AuthFile::lookup(const std::string& domain,
                                            const std::string& repository) const {
  std::string key = normalizeKey(domain) + "/" + repository;
  while (true) {
    if (auto it = entries_.find(key); it != entries_.end()) return it->second;
    const size_t slash = key.rfind('/');
    if (slash == std::string::npos) return std::nullopt;
    key.resize(slash);
  }
}

std::vector<std::string> defaultAuthFiles(const char* xdgRuntimeDir, const char* home) {
  std::vector<std::string> out{"/etc/containers/auth.json"};
  if (xdgRuntimeDir && *xdgRuntimeDir)
    out.push_back(std::string(xdgRuntimeDir) + "/containers/auth.json");
  if (home && *home) out.push_back(std::string(home) + "/.docker/config.json");
  return out;
}

}  // namespace podkeeper::image::registry
