#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

// One HTTP exchange over libcurl, blocking: it runs on a BackgroundWork worker, never on the
// agent's loop. Redirects are not followed here (the registry client follows them itself, so
// it decides which headers go to another host). Timeouts are a connect timeout and a stall
// limit (fewer than lowSpeedBytes per second for lowSpeedSeconds), never a total: a large
// layer on a slow link is fine as long as it moves.
namespace podkeeper::image::registry {

struct TlsFiles {
  std::string caFile;    // extra CA bundle, trusted besides the system CAs ("" = none)
  std::string certFile;  // client certificate (PEM), "" = none
  std::string keyFile;   // its key (PEM)
  bool operator==(const TlsFiles&) const = default;
};

struct HttpLimits {
  long connectTimeoutMs = 30'000;
  long lowSpeedBytesPerSec = 1;
  long lowSpeedSeconds = 30;
};

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  TlsFiles tls;
  HttpLimits limits;
};

struct HttpResponse {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;            // the body when it was not streamed to a sink (bounded)
  bool bodyTruncated = false;  // the body was longer than the bound
  // The value of the first header called `name` (lower case), or nullopt.
  std::optional<std::string> header(const std::string& name) const;
};

// Receives a successful (2xx) response's body as it arrives: begin() once with the status and
// headers before the first byte, then write() per piece. An error from either stops the
// transfer; send() then fails with that error.
class BodySink {
 public:
  virtual ~BodySink() = default;
  virtual Result<void> begin(const HttpResponse& head) = 0;
  virtual Result<void> write(std::span<const char> bytes) = 0;
};

// Transport failures (connect refused, reset, timeout, a stall, a transfer cut short) fail with
// code EIO or ETIMEDOUT and are worth retrying; an error from the sink fails with its own code.
class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // A non-2xx body, and a 2xx body without a sink, is kept in HttpResponse::body up to
  // maxBodyBytes (beyond that bodyTruncated is set, and with no sink the transfer stops).
  virtual Result<HttpResponse> send(const HttpRequest& request, BodySink* sink,
                                    size_t maxBodyBytes) = 0;
};

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient();
  Result<HttpResponse> send(const HttpRequest& request, BodySink* sink,
                            size_t maxBodyBytes) override;
};

// True for the failures of send() that a retry may cure (transport errors, not sink errors).
bool transientHttpFailure(const Error& e);

}  // namespace podkeeper::image::registry
