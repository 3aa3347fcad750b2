#include "tests/support/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace podkeeper::support {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace ssl = boost::asio::ssl;

constexpr uint64_t kBodyLimit = 64u << 20;

// Connected socket in, answer out; a server that stops talking fails the read after 30 s
// instead of hanging the test.
void boundReads(int fd) {
  timeval tv{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

template <class Stream>
bool writeGet(Stream& socket, const std::string& target, const std::string& token, bool close) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (close) req.set(http::field::connection, "close");
  boost::beast::error_code ec;
  http::write(socket, req, ec);
  return !ec;
}

template <class Stream>
HttpResult getOver(Stream& socket, const std::string& target, const std::string& token = "") {
  if (!writeGet(socket, target, token, true)) return {};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  boost::beast::error_code ec;
  http::read(socket, buffer, parser, ec);
  if (ec) return {};
  return {int(parser.get().result_int()), parser.get().body()};
}

template <class Stream>
HttpResult streamOver(Stream& socket, const std::string& target, const std::string& token,
                      const std::function<void(std::string_view)>& onBody) {
  if (!writeGet(socket, target, token, false)) return {};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    http::read_some(socket, buffer, parser, ec);
    if (ec) return {};
    if (!parser.get().body().empty()) onBody(parser.get().body());
    parser.get().body().clear();
  }
  return {int(parser.get().result_int()), ""};
}

// A TLS connection to 127.0.0.1:port with these credentials, handed to `use` once the
// handshake is done; status 0 when any step fails.
template <class Use>
HttpResult overTls(uint16_t port, const HttpsCredentials& c, Use use) {
  asio::io_context io;
  ssl::context ctx(ssl::context::tls_client);
  boost::beast::error_code ec;
  if (!c.caFile.empty()) {
    ctx.load_verify_file(c.caFile, ec);
    ctx.set_verify_mode(ssl::verify_peer);
  }
  if (!ec && !c.certFile.empty()) {
    ctx.use_certificate_chain_file(c.certFile, ec);
    if (!ec) ctx.use_private_key_file(c.keyFile, ssl::context::pem, ec);
  }
  if (ec) return {};
  ssl::stream<asio::ip::tcp::socket> stream(io, ctx);
  stream.next_layer().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  boundReads(stream.next_layer().native_handle());
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) return {};
  return use(stream);
}

}  // namespace

HttpResult httpGetUnix(const std::string& socketPath, const std::string& target) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::beast::error_code ec;
  socket.connect({socketPath}, ec);
  if (ec) return {};
  boundReads(socket.native_handle());
  return getOver(socket, target);
}

HttpResult httpGetLoopback(uint16_t port, const std::string& target) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  boundReads(socket.native_handle());
  return getOver(socket, target);
}

HttpResult httpsStreamLoopback(uint16_t port, const std::string& target, const HttpsCredentials& c,
                               const std::function<void(std::string_view)>& onBody) {
  return overTls(port, c,
                 [&](auto& stream) { return streamOver(stream, target, c.bearerToken, onBody); });
}

HttpResult httpsGetLoopback(uint16_t port, const std::string& target, const HttpsCredentials& c) {
  return overTls(port, c, [&](auto& stream) { return getOver(stream, target, c.bearerToken); });
}

uint16_t freeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace podkeeper::support
