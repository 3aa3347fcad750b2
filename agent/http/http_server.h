#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/http/http_message.h"
#include "common/error.h"

namespace podkeeper::http {

struct HttpServerLimits {
  // A whole request (or a response) must pass within this; a client silent or too slow
  // this long is dropped. Re-armed for each request.
  std::chrono::milliseconds idleTimeout{30000};
  std::chrono::milliseconds handshakeTimeout{10000};  // TLS
  // A streamed body (a followed log): each piece must be written within this, so a client
  // that stops reading is dropped and holds at most one piece and the socket buffers.
  std::chrono::milliseconds streamWriteTimeout{30000};
  uint32_t headerLimit = 8 * 1024;  // bytes of request line and headers
  uint64_t bodyLimit = 64 * 1024;
  // At the limit, the connection that has waited longest for a request is closed to make
  // room (so 1,000 slow clients cannot lock out a scrape); when every connection is busy
  // answering, the new one is refused (plain: a 503 answer; TLS: closed).
  size_t maxConnections = 100;
};

struct ServerState;

// HTTP/1.1 (Boost.Beast) on the caller's io_context: one session per connection,
// keep-alive, timeouts and size limits. All methods run on the loop's thread.
class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, Handler handler, HttpServerLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // "0.0.0.0:10255", "127.0.0.1:0", "[::1]:0". May be called more than once.
  Result<void> listenTcp(const std::string& hostPort);
  // The same, over TLS with this context (see tls_context.h).
  Result<void> listenTls(const std::string& hostPort,
                         std::shared_ptr<boost::asio::ssl::context> tls);
  // Replaces a stale socket file, but not one a live process serves; the socket is bound in
  // a private directory and has `mode` (e.g. 0600) before it appears at path.
  Result<void> listenUnix(const std::string& path, mode_t mode);
  // Port of the first TCP listener (the real one when asked for port 0); 0 when none.
  uint16_t tcpPort() const;
  size_t activeConnections() const;
  uint64_t refusedConnections() const;
  // Closes listeners and every open connection; removes unix socket files.
  void stop();

 private:
  struct Listeners;
  boost::asio::io_context& io_;
  std::shared_ptr<ServerState> state_;
  std::unique_ptr<Listeners> listeners_;
};

}  // namespace podkeeper::http
