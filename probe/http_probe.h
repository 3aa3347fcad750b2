#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "probe/handler_runner.h"

// The HTTP side of an httpGet probe or hook, as pure functions: the request the kubelet sends
// and how it judges the answer (pkg/probe/http). HTTPS is the same exchange inside TLS.
namespace podkeeper::probe {

// The kubelet's User-Agent is kube-probe/<its major.minor>; podkeeper models this release.
inline constexpr std::string_view kProbeUserAgent = "kube-probe/1.31";
// The kubelet reads at most this much of a response body.
inline constexpr size_t kMaxProbeBodyBytes = 10 * 1024;
// A response whose status line and headers are longer than this fails the probe.
inline constexpr size_t kMaxProbeHeadBytes = 64 * 1024;

// "http://127.0.0.1:8080/healthz" (https:// for HTTPS; IPv6 addresses in brackets), for
// messages.
std::string probeUrl(const HandlerSpec& spec);

// The TLS server name (SNI) of an HTTPS probe: the Host header's host when the spec sets one,
// else spec.serverName; "" for an IP address (no SNI is sent for those, as in Go).
std::string probeServerName(const HandlerSpec& spec);

// GET with Host (address:port unless a Host header is given), the kubelet's User-Agent and
// Accept (each unless given), Connection: close, then the spec's headers as written.
std::string httpProbeRequest(const HandlerSpec& spec);

struct HttpResponseHead {
  int status = 0;   // 0: not an HTTP/1.x status line
  size_t size = 0;  // bytes of status line and headers, the blank line included
  std::optional<size_t> contentLength;
};

// nullopt until the head is complete (a blank line ends it).
std::optional<HttpResponseHead> parseHttpResponseHead(std::string_view data);

// 200-299: success with the body; 300-399: a redirect not followed, success with a warning
// (the kubelet follows redirects only on the same host, and treats the rest like this);
// anything else fails with the status code.
HandlerResult httpProbeResult(const HttpResponseHead& head, std::string_view body);

}  // namespace podkeeper::probe
