#include "sources/url_source.h"

#include <spdlog/spdlog.h>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::sources {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool validHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<std::pair<std::string, std::string>> parseUrlHeader(std::string_view flag) {
  auto colon = flag.find(':');
  auto bad = [&](const std::string& why) {
    return failMsg("--manifest-url-header \"" + std::string(flag) + "\": " + why);
  };
  if (colon == std::string_view::npos) return bad("expected Key:Value");
  auto name = trim(flag.substr(0, colon));
  auto value = trim(flag.substr(colon + 1));
  if (!validHeaderName(name)) return bad("\"" + std::string(name) + "\" is not a header name");
  for (char c : value)
    if (c == '\r' || c == '\n' || c == '\0') return bad("the value holds a control character");
  return std::pair{std::string(name), std::string(value)};
}

UrlPoll pollManifestUrl(image::registry::HttpClient& http, const UrlSourceConfig& config,
                        const std::string& etag) {
  image::registry::HttpRequest req;
  req.url = config.url;
  req.headers = config.headers;
  req.limits = config.limits;
  if (!etag.empty()) req.headers.emplace_back("If-None-Match", etag);
  UrlPoll out;
  auto resp = http.send(req, nullptr, kMaxUrlBodyBytes);
  if (!resp) {
    out.why = "manifest URL " + config.url + ": " + resp.error().message;
    return out;
  }
  if (resp->status == 304) {
    out.kind = UrlPoll::Kind::Unchanged;
    return out;
  }
  if (resp->status < 200 || resp->status > 299) {
    out.why = "manifest URL " + config.url + ": HTTP status " + std::to_string(resp->status);
    return out;
  }
  if (resp->bodyTruncated) {
    out.why = "manifest URL " + config.url + ": body larger than " +
              std::to_string(kMaxUrlBodyBytes) + " bytes";
    return out;
  }
  out.kind = UrlPoll::Kind::Changed;
  out.body = std::move(resp->body);
  out.etag = resp->header("etag").value_or("");
  return out;
}

UrlManifestSource::UrlManifestSource(boost::asio::io_context& io, image::registry::HttpClient& http,
                                     UrlSourceConfig config, std::chrono::milliseconds interval,
                                     Callbacks callbacks)
    : http_(http),
      config_(std::move(config)),
      interval_(interval),
      callbacks_(std::move(callbacks)),
      timer_(io),
      work_(io, 1) {}

void UrlManifestSource::start() {
  spdlog::info("polling {} for pod manifests every {}s", config_.url, interval_.count() / 1000);
  UrlPoll first = pollManifestUrl(http_, config_, "");
  if (first.kind == UrlPoll::Kind::Failed && !config_.cacheFile.empty()) {
    auto cached = runtime::readWholeFile(config_.cacheFile);
    if (cached) {
      spdlog::warn("{}; running the last good manifests kept in {}", first.why, config_.cacheFile);
      callbacks_.failed(first.why);
      lastError_ = first.why;
      callbacks_.body(*cached);
      arm();
      return;
    }
  }
  apply(std::move(first));
  arm();
}

void UrlManifestSource::stop() {
  stopped_ = true;
  timer_.cancel();
}

void UrlManifestSource::apply(UrlPoll poll) {
  if (poll.kind == UrlPoll::Kind::Failed) {
    if (poll.why != lastError_)
      spdlog::error("{}; the pods it defined before, if any, keep running", poll.why);
    lastError_ = poll.why;
    callbacks_.failed(poll.why);
    return;
  }
  if (!lastError_.empty()) spdlog::info("manifest URL {}: reachable again", config_.url);
  lastError_.clear();
  callbacks_.failed("");
  if (poll.kind == UrlPoll::Kind::Unchanged) return;
  etag_ = poll.etag;
  if (callbacks_.body(poll.body) && !config_.cacheFile.empty()) {
    if (auto r = runtime::writeFileAtomic(config_.cacheFile, poll.body); !r)
      spdlog::warn("manifest URL {}: keeping its body in {}: {}", config_.url, config_.cacheFile,
                   r.error().message);
  }
}

void UrlManifestSource::arm() {
  timer_.expires_after(interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    work_.run(
        [this, config = config_, etag = etag_] { return pollManifestUrl(http_, config, etag); },
        [this](UrlPoll poll) {
          if (stopped_) return;
          apply(std::move(poll));
          arm();
        });
  });
}

}  // namespace podkeeper::sources
