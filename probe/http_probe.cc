#include "probe/http_probe.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace podkeeper::probe {
namespace {

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool hasHeader(const HandlerSpec& spec, std::string_view name) {
  return std::any_of(spec.headers.begin(), spec.headers.end(),
                     [&](const auto& h) { return equalsIgnoringCase(h.first, name); });
}

std::string hostPort(const HandlerSpec& spec) {
  const bool v6 = spec.address.find(':') != std::string::npos;
  return (v6 ? "[" + spec.address + "]" : spec.address) + ":" + std::to_string(spec.port);
}

}  // namespace

std::string probeUrl(const HandlerSpec& spec) {
  return (spec.https ? "https://" : "http://") + hostPort(spec) + spec.path;
}

std::string probeServerName(const HandlerSpec& spec) {
  std::string host = spec.serverName;
  for (const auto& [name, value] : spec.headers)
    if (equalsIgnoringCase(name, "Host")) host = std::string(trim(value));
  if (host.starts_with('[')) return "";  // [v6]:port
  if (auto colon = host.rfind(':'); colon != std::string::npos && host.find(':') == colon)
    host.resize(colon);
  const bool ip = !host.empty() && (host.find(':') != std::string::npos ||
                                    host.find_first_not_of("0123456789.") == std::string::npos);
  return ip ? "" : host;
}

std::string httpProbeRequest(const HandlerSpec& spec) {
  std::string r = "GET " + (spec.path.empty() ? std::string("/") : spec.path) + " HTTP/1.1\r\n";
  if (!hasHeader(spec, "Host")) r += "Host: " + hostPort(spec) + "\r\n";
  if (!hasHeader(spec, "User-Agent")) r += "User-Agent: " + std::string(kProbeUserAgent) + "\r\n";
  if (!hasHeader(spec, "Accept")) r += "Accept: */*\r\n";
  r += "Connection: close\r\n";
  for (const auto& [name, value] : spec.headers) r += name + ": " + value + "\r\n";
  return r + "\r\n";
}

std::optional<HttpResponseHead> parseHttpResponseHead(std::string_view data) {
  const size_t end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) return std::nullopt;
  HttpResponseHead head;
  head.size = end + 4;
  std::string_view lines = data.substr(0, end + 2);
  const size_t eol = lines.find("\r\n");
  const std::string_view status = lines.substr(0, eol);
  // "HTTP/1.1 200 OK"
  if (status.size() >= 12 && status.substr(0, 7) == "HTTP/1." && status[8] == ' ') {
    int code = 0;
    auto [p, ec] = std::from_chars(status.data() + 9, status.data() + 12, code);
    if (ec == std::errc() && p == status.data() + 12 && code >= 100 && code <= 999)
      head.status = code;
  }
  lines.remove_prefix(eol + 2);
  while (!lines.empty()) {
    const size_t next = lines.find("\r\n");
    const std::string_view line = lines.substr(0, next);
    lines.remove_prefix(next + 2);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (equalsIgnoringCase(trim(line.substr(0, colon)), "Content-Length")) {
      const std::string_view v = trim(line.substr(colon + 1));
      size_t n = 0;
      auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec == std::errc() && p == v.data() + v.size()) head.contentLength = n;
    }
  }
  return head;
}

HandlerResult httpProbeResult(const HttpResponseHead& head, std::string_view body) {
  std::string text(body.substr(0, kMaxProbeBodyBytes));
  if (head.status >= 200 && head.status < 300) return {HandlerOutcome::Success, std::move(text)};
  if (head.status >= 300 && head.status < 400)
    return {HandlerOutcome::Warning, "Probe terminated redirects, Response body: " + text};
  if (head.status == 0) return {HandlerOutcome::Failure, "malformed HTTP response"};
  return {HandlerOutcome::Failure,
          "HTTP probe failed with statuscode: " + std::to_string(head.status)};
}

const char* toString(HandlerKind kind) {
  switch (kind) {
    case HandlerKind::Exec:
      return "exec";
    case HandlerKind::HttpGet:
      return "httpGet";
    case HandlerKind::TcpSocket:
      return "tcpSocket";
    case HandlerKind::Sleep:
      return "sleep";
    case HandlerKind::Grpc:
      return "grpc";
    case HandlerKind::Refused:
      return "refused";
  }
  return "unknown";
}

}  // namespace podkeeper::probe
