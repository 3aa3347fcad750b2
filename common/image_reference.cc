#include "common/image_reference.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <tuple>
#include <utility>

namespace podkeeper {
namespace {

constexpr std::string_view kDefaultDomain = "docker.io";
constexpr std::string_view kLegacyDomain = "index.docker.io";
constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxTagLength = 128;

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool isWord(char c) { return isAlnum(c) || c == '_'; }
bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

Error invalid(std::string_view ref, const std::string& why) {
  return Error{EINVAL, "invalid reference format: " + why + " (\"" + std::string(ref) + "\")"};
}

// path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*
bool validPathComponent(std::string_view c) {
  size_t i = 0;
  while (i < c.size()) {
    if (!isLowerAlnum(c[i])) return false;
    while (i < c.size() && isLowerAlnum(c[i])) ++i;
    if (i == c.size()) return true;
    const size_t sep = i;
    if (c[i] == '.') {
      ++i;
    } else if (c[i] == '_') {
      i += (i + 1 < c.size() && c[i + 1] == '_') ? 2 : 1;
    } else if (c[i] == '-') {
      while (i < c.size() && c[i] == '-') ++i;
    } else {
      return false;
    }
    if (i == c.size() || sep == i) return false;  // a separator must be followed by alnum
  }
  return !c.empty();
}

// domain-component: [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool validDomainComponent(std::string_view c) {
  if (c.empty() || !isAlnum(c.front()) || !isAlnum(c.back())) return false;
  return std::all_of(c.begin(), c.end(), [](char ch) { return isAlnum(ch) || ch == '-'; });
}

bool validPort(std::string_view p) {
  return !p.empty() && p.size() <= 5 && std::all_of(p.begin(), p.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// host[:port], host a domain name or a bracketed IPv6 address.
bool validDomain(std::string_view d) {
  std::string_view host = d;
  if (!d.empty() && d.front() == '[') {
    const size_t close = d.find(']');
    if (close == std::string_view::npos || close < 3) return false;
    const std::string_view v6 = d.substr(1, close - 1);
    if (!std::all_of(v6.begin(), v6.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':';
        }))
      return false;
    const std::string_view rest = d.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && validPort(rest.substr(1)));
  }
  if (const size_t colon = d.rfind(':'); colon != std::string_view::npos) {
    if (!validPort(d.substr(colon + 1))) return false;
    host = d.substr(0, colon);
  }
  size_t start = 0;
  while (true) {
    const size_t dot = host.find('.', start);
    if (!validDomainComponent(host.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// tag: [\w][\w.-]{0,127}
bool validTag(std::string_view t) {
  if (t.empty() || t.size() > kMaxTagLength || !isWord(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return isWord(c) || c == '.' || c == '-'; });
}

// The digest algorithms the OCI image spec registers, with their encoded lengths.
Result<void> checkDigest(std::string_view ref, std::string_view digest) {
  const size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return fail(invalid(ref, "digest without an algorithm"));
  const std::string_view algorithm = digest.substr(0, colon);
  const std::string_view hex = digest.substr(colon + 1);
  size_t want = 0;
  if (algorithm == "sha256") {
    want = 64;
  } else if (algorithm == "sha512") {
    want = 128;
  } else {
    return fail(invalid(ref, "unsupported digest algorithm " + std::string(algorithm)));
  }
  if (hex.size() != want || !std::all_of(hex.begin(), hex.end(), isLowerHex))
    return fail(invalid(ref, "digest " + std::string(algorithm) + " must be " +
                                 std::to_string(want) + " lowercase hex characters"));
  return {};
}

// Splits "name" into domain and path as the Docker CLI does: the first component is a domain
// when it has a '.' or a ':', is "localhost", or has an uppercase letter.
std::pair<std::string, std::string> splitDomain(std::string_view name) {
  const size_t slash = name.find('/');
  std::string domain(kDefaultDomain);
  std::string path(name);
  if (slash != std::string_view::npos) {
    const std::string_view first = name.substr(0, slash);
    const bool isDomain =
        first.find_first_of(".:") != std::string_view::npos || first == "localhost" ||
        std::any_of(first.begin(), first.end(),
                    [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; });
    if (isDomain) {
      domain = std::string(first);
      path = std::string(name.substr(slash + 1));
    }
  }
  if (domain == kLegacyDomain) domain = kDefaultDomain;
  if (domain == kDefaultDomain && path.find('/') == std::string::npos) path = "library/" + path;
  return {domain, path};
}

Result<void> checkPath(std::string_view ref, std::string_view path) {
  if (std::any_of(path.begin(), path.end(),
                  [](char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }))
    return fail(invalid(ref, "repository name must be lowercase"));
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    if (!validPathComponent(path.substr(start, slash - start)))
      return fail(invalid(ref, "repository name component \"" +
                                   std::string(path.substr(start, slash - start)) +
                                   "\" is not lowercase letters and digits joined by . _ __ or -"));
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

}  // namespace

std::string ImageReference::normalized() const {
  if (!digest.empty()) return name() + "@" + digest;
  return name() + ":" + tag;
}

std::string ImageReference::familiar() const {
  std::string out = name();
  if (domain == kDefaultDomain) {
    out = path;
    if (path.starts_with("library/") && path.find('/', 8) == std::string::npos)
      out = path.substr(8);
  }
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

Result<ImageReference> parseImageReference(std::string_view ref) {
  if (ref.empty()) return fail(invalid(ref, "empty reference"));
  if (ref.size() == 64 && std::all_of(ref.begin(), ref.end(), isLowerHex))
    return fail(invalid(ref, "a 64-character hexadecimal string is an image ID, not a name"));
  ImageReference out;
  std::string_view rest = ref;
  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    out.digest = std::string(rest.substr(at + 1));
    if (auto r = checkDigest(ref, out.digest); !r) return fail(r.error());
    rest = rest.substr(0, at);
  }
  const size_t lastSlash = rest.rfind('/');
  const size_t colon = rest.rfind(':');
  if (colon != std::string_view::npos &&
      (lastSlash == std::string_view::npos || colon > lastSlash)) {
    out.tag = std::string(rest.substr(colon + 1));
    if (!validTag(out.tag))
      return fail(invalid(ref, "tag \"" + out.tag +
                                   "\" must be at most 128 letters, digits, _ . or -, not "
                                   "starting with . or -"));
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) return fail(invalid(ref, "repository name is empty"));
  std::tie(out.domain, out.path) = splitDomain(rest);
  // Measured as Docker does, normalized ("nginx" is docker.io/library/nginx): a name that
  // normalizes past the limit would not parse again.
  if (out.domain.size() + 1 + out.path.size() > kMaxNameLength)
    return fail(invalid(ref, "repository name must not be more than 255 characters"));
  if (!validDomain(out.domain))
    return fail(invalid(ref, "registry host \"" + out.domain + "\" is not a valid host[:port]"));
  if (auto r = checkPath(ref, out.path); !r) return fail(r.error());
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

}  // namespace podkeeper
