#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Plain request/response values, so handlers and routing are tested without sockets.
namespace podkeeper::http {

// The subject of a client certificate that the TLS handshake verified against the client CA.
struct TlsPeer {
  std::string commonName;                  // CN: the user
  std::vector<std::string> organizations;  // O: the groups
};

struct HttpRequest {
  std::string method;                                        // "GET", "HEAD", ...
  std::string target;                                        // as sent: "/metrics?x=1"
  std::string path;                                          // "/metrics"
  std::string query;                                         // "x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::optional<TlsPeer> peer;  // set on TLS connections with a verified client certificate
  std::string remote;           // "10.0.0.3:51234" on TCP; "" on the unix socket

  // The first header of that name (case-insensitive), or "" when absent.
  std::string_view header(std::string_view name) const;
};

// A body written as it is produced (chunked transfer encoding), e.g. a followed log. The
// session asks for the next piece only when the previous one is written, so a slow client
// holds one piece at most.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Called on the loop; calls deliver once, on the loop: the next bytes (non-empty), or
  // nullopt when the body ends.
  virtual void next(std::function<void(std::optional<std::string>)> deliver) = 0;
  // The client left or the server stops: deliver is not called after this.
  virtual void cancel() = 0;
};

// A connection taken over after "101 Switching Protocols" (attach): bytes both ways, no
// timeout. One read and one write at a time; both called on the loop.
class UpgradedConnection {
 public:
  virtual ~UpgradedConnection() = default;
  // done(false): the client is gone.
  virtual void write(std::string bytes, std::function<void(bool)> done) = 0;
  // The next bytes the client sent; nullopt when it left.
  virtual void read(std::function<void(std::optional<std::string>)> done) = 0;
  virtual void close() = 0;
};

class Upgrade {
 public:
  virtual ~Upgrade() = default;
  // Called on the loop once the 101 answer is written.
  virtual void start(std::shared_ptr<UpgradedConnection> connection) = 0;
  // Never started (not a GET, or the 101 could not be written).
  virtual void cancel() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // HEAD: the headers (with the body's Content-Length) are sent, the body is not.
  bool omitBody = false;
  // Set: body is the first chunk, then the stream's pieces; the connection closes after.
  std::shared_ptr<BodyStream> stream;
  // Set (with status 101 and the Upgrade header): the connection is handed to it.
  std::shared_ptr<Upgrade> upgrade;
  // Set: the answer is made elsewhere (off the loop) and comes later. Called once, on the
  // loop, with `reply`, which must then be called exactly once, on the loop, with the answer;
  // the other fields of this response are ignored. A client that left meanwhile gets nothing.
  std::function<void(std::function<void(HttpResponse)> reply)> deferred;

  static HttpResponse text(int status, std::string body,
                           std::string contentType = "text/plain; charset=utf-8");
  std::string_view header(std::string_view name) const;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace podkeeper::http
