#include "agent/http/router.h"

#include <spdlog/spdlog.h>

#include <exception>

#include "agent/http/gzip.h"

namespace podkeeper::http {
namespace {

// Exact patterns beat prefixes; longer prefixes beat shorter ones.
size_t specificity(const std::string& pattern) {
  return pattern.ends_with("/*") ? pattern.size() : SIZE_MAX;
}

}  // namespace

void encodeIfAccepted(std::string_view acceptEncoding, HttpResponse& response) {
  if (response.body.empty() || response.stream || !response.header("content-encoding").empty() ||
      !response.header("vary").empty())
    return;
  response.headers.emplace_back("Vary", "Accept-Encoding");
  if (!acceptsGzip(acceptEncoding)) return;
  response.body = gzipCompress(response.body);
  response.headers.emplace_back("Content-Encoding", "gzip");
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler)});
}

void Router::onResponse(std::function<void(const std::string&, int)> observer) {
  observer_ = std::move(observer);
}

Handler Router::handler() const {
  return [this](const HttpRequest& r) { return handle(r); };
}

bool Router::matches(const std::string& pattern, const std::string& path) {
  if (!pattern.ends_with("/*")) return pattern == path;
  std::string_view prefix(pattern.data(), pattern.size() - 1);  // keeps the trailing '/'
  return path.starts_with(prefix);
}

HttpResponse Router::route(const HttpRequest& request, std::string& matched) const {
  const Route* best = nullptr;
  const Route* bestGet = nullptr;
  std::vector<std::string> allowed;
  std::string pattern;
  size_t bestRank = 0;
  for (const Route& r : routes_) {
    if (!matches(r.pattern, request.path)) continue;
    size_t rank = specificity(r.pattern);
    if (rank < bestRank) continue;
    if (rank > bestRank) {
      best = bestGet = nullptr;
      allowed.clear();
      bestRank = rank;
      pattern = r.pattern;
    }
    allowed.push_back(r.method);
    if (r.method == request.method) best = &r;
    if (r.method == "GET") bestGet = &r;
  }
  if (allowed.empty()) return HttpResponse::text(404, "not found\n");
  const bool head = request.method == "HEAD" && !best && bestGet;
  if (head) best = bestGet;
  if (!best) {
    std::string allow;
    for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
    if (bestGet) allow += ", HEAD";
    HttpResponse r = HttpResponse::text(405, "method not allowed\n");
    r.headers.emplace_back("Allow", allow);
    matched = pattern;
    return r;
  }
  matched = best->pattern;
  HttpResponse response;
  try {
    response = best->handler(request);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {}: handler failed: {}", request.method, request.path, e.what());
    response = HttpResponse::text(500, "internal error\n");
  }
  response.omitBody = head;
  return response;
}

HttpResponse Router::handle(const HttpRequest& request) const {
  std::string matched;
  HttpResponse response = route(request, matched);
  if (response.deferred) {  // encoded and counted when the answer comes
    response.deferred = [this, produce = std::move(response.deferred), matched,
                         head = response.omitBody,
                         acceptEncoding = std::string(request.header("accept-encoding"))](
                            std::function<void(HttpResponse)> reply) {
      produce([this, reply = std::move(reply), matched, head, acceptEncoding](HttpResponse answer) {
        answer.omitBody = head;
        encodeIfAccepted(acceptEncoding, answer);
        if (observer_) observer_(matched, answer.status);
        reply(std::move(answer));
      });
    };
    return response;
  }
  encodeIfAccepted(request.header("accept-encoding"), response);
  if (observer_) observer_(matched, response.status);
  return response;
}

HttpResponse healthz(const HttpRequest&) { return HttpResponse::text(200, "ok"); }

}  // namespace podkeeper::http
