#include "image/registry/registry_client.h"

#include <sys/stat.h>

#include <cerrno>
#include <nlohmann/json.hpp>
#include <thread>

#include "image/oci/digest.h"
#include "image/oci/media_types.h"

namespace podkeeper::image::registry {

namespace {

constexpr size_t kMaxErrorBody = 64 << 10;
constexpr int kMaxRedirects = 5;

std::string percentEncode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

bool transientStatus(long status) { return status == 429 || status >= 500; }

// A registry answer that is not a success, as an Error with the registry's own words.
Error statusError(const std::string& what, const HttpResponse& r) {
  std::string text = registryErrorText(r.body);
  if (text.empty())
    text = "HTTP " + std::to_string(r.status);
  else
    text += ", HTTP " + std::to_string(r.status);
  int code = EPROTO;
  if (r.status == 401 || r.status == 403)
    code = EACCES;
  else if (r.status == 404)
    code = ENOENT;
  else if (transientStatus(r.status))
    code = EIO;
  return Error{code, what + ": " + text};
}

void setHeader(std::vector<std::pair<std::string, std::string>>& hs, const std::string& name,
               const std::string& value) {
  std::erase_if(hs, [&](const auto& h) { return h.first == name; });
  if (!value.empty()) hs.emplace_back(name, value);
}

// Streams a blob into its target, resuming or restarting as the server answers.
class BlobSinkAdapter final : public BodySink {
 public:
  BlobSinkAdapter(BlobTarget& target, uint64_t size, std::string digest)
      : target_(target), size_(size), digest_(std::move(digest)) {}
  Result<void> begin(const HttpResponse& head) override {
    const uint64_t have = target_.written();
    if (have == 0) return {};
    const auto range = head.header("content-range");
    if (head.status == 206 && range && range->starts_with("bytes " + std::to_string(have) + "-"))
      return {};
    return target_.restart();  // the server sends the whole blob again
  }
  Result<void> write(std::span<const char> bytes) override {
    if (target_.written() + bytes.size() > size_)
      return fail(Error{EBADMSG, "blob " + digest_ + ": more than the " + std::to_string(size_) +
                                     " bytes its descriptor says"});
    return target_.write(bytes);
  }

 private:
  BlobTarget& target_;
  uint64_t size_;
  std::string digest_;
};

}  // namespace

std::string registryErrorText(std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "";
  auto errors = j.find("errors");
  if (errors == j.end() || !errors->is_array() || errors->empty() || !(*errors)[0].is_object())
    return "";
  const auto& e = (*errors)[0];
  std::string code = e.value("code", std::string());
  std::string message = e.value("message", std::string());
  if (message.empty()) return code;
  return code.empty() ? message : message + " (" + code + ")";
}

RegistryClient::RegistryClient(HttpClient& http, RegistryOptions options, AuthFile auth,
                               const Clock& clock)
    : http_(http), options_(std::move(options)), auth_(std::move(auth)), clock_(clock) {}

RegistryEndpoint RegistryClient::endpoint(const std::string& domain) const {
  return registryEndpoint(domain, options_.hosts, [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  });
}

Result<FetchedManifest> RegistryClient::fetchManifest(const ImageReference& image,
                                                      const std::string& reference) {
  const std::string what =
      image.name() + (reference.starts_with("sha256:") ? "@" : ":") + reference;
  auto r =
      request(image, "/manifests/" + reference, {{"Accept", std::string(media::kManifestAccept)}},
              nullptr, options_.maxManifestBytes);
  if (!r)
    return fail(r.error().context(image.name() + (reference.starts_with("sha256:") ? "@" : ":") +
                                  reference));
  if (r->status != 200) return fail(statusError(what, *r));
  if (r->bodyTruncated)
    return fail(Error{EFBIG, what + ": manifest larger than the limit of " +
                                 std::to_string(options_.maxManifestBytes) + " bytes"});
  FetchedManifest out;
  out.body = std::move(r->body);
  out.digest = sha256Digest(out.body);
  if (reference.starts_with("sha256:") && reference != out.digest)
    return fail(Error{EBADMSG, what + ": manifest content has digest " + out.digest});
  if (auto said = r->header("docker-content-digest");
      said && said->starts_with("sha256:") && *said != out.digest)
    return fail(
        Error{EBADMSG, what + ": registry says digest " + *said + ", content has " + out.digest});
  out.mediaType = r->header("content-type").value_or("");
  if (auto semi = out.mediaType.find(';'); semi != std::string::npos) out.mediaType.resize(semi);
  if (out.mediaType.empty() || out.mediaType == "application/json") {
    auto j = nlohmann::json::parse(out.body, nullptr, false);
    if (j.is_object() && j.contains("mediaType") && j["mediaType"].is_string())
      out.mediaType = j["mediaType"].get<std::string>();
  }
  return out;
}

Result<void> RegistryClient::fetchBlob(const ImageReference& image, const std::string& digest,
                                       uint64_t size, BlobTarget& target) {
  BlobSinkAdapter sink(target, size, digest);
  const std::string what = image.name() + "@" + digest;
  for (int attempt = 0;; ++attempt) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (target.written() > 0 && target.written() < size)
      headers.emplace_back("Range", "bytes=" + std::to_string(target.written()) + "-");
    auto r = request(image, "/blobs/" + digest, headers, &sink, kMaxErrorBody);
    const bool broken = !r && transientHttpFailure(r.error());
    if (r && r->status / 100 == 2) {
      if (target.written() == size) return {};
      if (target.written() > size || attempt + 1 >= options_.attempts)
        return fail(Error{EBADMSG, what + ": got " + std::to_string(target.written()) +
                                       " bytes, its descriptor says " + std::to_string(size)});
    } else if (r && r->status == 416 && target.written() > 0) {
      if (auto again = target.restart(); !again) return again;  // the range was refused
    } else if (r) {
      return fail(statusError("GET " + what, *r));
    } else if (!broken || attempt + 1 >= options_.attempts) {
      return fail(r.error().context(what));
    }
    std::this_thread::sleep_for(options_.retryBase * (1 << std::min(attempt, 6)));
  }
}

Result<HttpResponse> RegistryClient::request(
    const ImageReference& image, const std::string& path,
    const std::vector<std::pair<std::string, std::string>>& headers, BodySink* sink,
    size_t maxBody) {
  HttpRequest req;
  req.url = endpoint(image.domain).baseUrl + "/v2/" + image.path + path;
  req.headers = headers;
  req.limits = options_.limits;
  for (int attempt = 0;; ++attempt) {
    auto r = sendOnce(image, req, sink, maxBody);
    const bool retry = r ? transientStatus(r->status) : transientHttpFailure(r.error());
    // A broken blob transfer is resumed by fetchBlob (it knows how much it has).
    if (!retry || attempt + 1 >= options_.attempts || (sink && !r)) {
      if (r && transientStatus(r->status)) return fail(statusError("GET " + req.url, *r));
      return r;
    }
    std::this_thread::sleep_for(options_.retryBase * (1 << std::min(attempt, 6)));
  }
}

Result<HttpResponse> RegistryClient::sendOnce(const ImageReference& image, HttpRequest req,
                                              BodySink* sink, size_t maxBody) {
  const RegistryEndpoint ep = endpoint(image.domain);
  const std::string registryHost = urlAuthority(ep.baseUrl);
  auto auth = authorization(image, false, std::nullopt);
  if (!auth) return fail(auth.error());
  setHeader(req.headers, "Authorization", *auth);
  bool challenged = false;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    const bool sameHost = urlAuthority(req.url) == registryHost;
    req.tls = sameHost ? ep.tls : TlsFiles{};
    if (!sameHost) setHeader(req.headers, "Authorization", "");  // not to blob storage
    auto r = http_.send(req, sink, maxBody);
    if (!r) return r;
    if (r->status == 401 && sameHost && !challenged) {
      challenged = true;
      std::optional<AuthChallenge> challenge;
      if (auto h = r->header("www-authenticate")) {
        auto parsed = parseAuthChallenge(*h);
        if (!parsed) return fail(parsed.error());
        challenge = *parsed;
      }
      auto fresh = authorization(image, true, challenge);
      if (!fresh) return fail(fresh.error());
      if (fresh->empty()) return r;  // nothing to answer with: the 401 stands
      setHeader(req.headers, "Authorization", *fresh);
      --hop;
      continue;
    }
    if (r->status >= 300 && r->status < 400 && r->status != 304) {
      auto location = r->header("location");
      if (!location) return r;
      req.url = resolveLocation(req.url, *location);
      continue;
    }
    return r;
  }
  return fail(
      Error{EPROTO, req.url + ": more than " + std::to_string(kMaxRedirects) + " redirects"});
}

// The Authorization header for `image`'s repository: a cached token, or (refresh) a new answer
// to the registry's challenge. "" when anonymous.
Result<std::string> RegistryClient::authorization(const ImageReference& image, bool refresh,
                                                  const std::optional<AuthChallenge>& challenge) {
  const std::optional<Credentials> creds = auth_.lookup(image.domain, image.path);
  std::unique_lock lock(mu_);
  if (challenge) challenges_[image.domain] = *challenge;
  auto known = challenges_.find(image.domain);
  if (known == challenges_.end()) return std::string();
  const AuthChallenge c = known->second;
  if (c.scheme == "basic") {
    if (!creds) return std::string();
    return "Basic " + encodeBase64(creds->username + ":" + creds->password);
  }
  if (c.scheme != "bearer") return std::string();
  const std::string scope = pullScope(image.path);
  const std::string key = image.domain + " " + scope;
  if (auto it = tokens_.find(key);
      !refresh && it != tokens_.end() && it->second.expiresAtNs > clock_.nowNs())
    return it->second.header;
  lock.unlock();  // the token endpoint is a network round trip
  auto token = fetchToken(c, scope, creds);
  if (!token) return fail(token.error());
  const std::string header = "Bearer " + token->token;
  lock.lock();
  // Expire a little early so a token is not used in its last seconds.
  tokens_[key] = {
      header, clock_.nowNs() + std::max<int64_t>(token->expiresInSeconds - 10, 1) * 1'000'000'000};
  return header;
}

Result<BearerToken> RegistryClient::fetchToken(const AuthChallenge& c, const std::string& scope,
                                               const std::optional<Credentials>& creds) {
  HttpRequest req;
  std::string url = c.params.at("realm");
  url += url.find('?') == std::string::npos ? "?" : "&";
  if (auto s = c.params.find("service"); s != c.params.end())
    url += "service=" + percentEncode(s->second) + "&";
  url += "scope=" + percentEncode(scope);
  req.url = url;
  req.limits = options_.limits;
  if (creds)
    req.headers.emplace_back("Authorization",
                             "Basic " + encodeBase64(creds->username + ":" + creds->password));
  for (int attempt = 0;; ++attempt) {
    auto r = http_.send(req, nullptr, kMaxErrorBody);
    const bool retry = r ? transientStatus(r->status) : transientHttpFailure(r.error());
    if (retry && attempt + 1 < options_.attempts) {
      std::this_thread::sleep_for(options_.retryBase * (1 << std::min(attempt, 6)));
      continue;
    }
    if (!r) return fail(r.error().context("token from " + c.params.at("realm")));
    if (r->status != 200) {
      Error e = statusError("token from " + c.params.at("realm"), *r);
      if (r->status == 401 || r->status == 403) e.message += ": unauthorized";
      return fail(e);
    }
    return parseTokenResponse(r->body);
  }
}

}  // namespace podkeeper::image::registry
