#include "tests/support/http_get.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace podkeeper::support {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

constexpr uint64_t kBodyLimit = 64u << 20;

// Connected socket in, answer out; a server that stops talking fails the read after 30 s
// instead of hanging the test.
template <class Socket>
HttpResult getOver(Socket& socket, const std::string& target) {
  timeval tv{30, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "localhost");
  req.set(http::field::connection, "close");
  boost::beast::error_code ec;
  http::write(socket, req, ec);
  if (ec) return {};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kBodyLimit);
  http::read(socket, buffer, parser, ec);
  if (ec) return {};
  return {int(parser.get().result_int()), parser.get().body()};
}

}  // namespace

HttpResult httpGetUnix(const std::string& socketPath, const std::string& target) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::beast::error_code ec;
  socket.connect({socketPath}, ec);
  if (ec) return {};
  return getOver(socket, target);
}

HttpResult httpGetLoopback(uint16_t port, const std::string& target) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::beast::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  return getOver(socket, target);
}

}  // namespace podkeeper::support
