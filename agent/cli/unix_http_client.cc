#include "agent/cli/unix_http_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace podkeeper::cli {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using Socket = asio::local::stream_protocol::socket;

constexpr int kTimeoutSeconds = 30;
constexpr uint64_t kBodyLimit = 256u << 20;

// Blocking calls with a deadline, so a wedged agent does not hang the CLI forever.
void setTimeouts(Socket& socket) {
  timeval tv{kTimeoutSeconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string serverError(const HttpReply& reply) {
  auto status = nlohmann::json::parse(reply.body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status")
    return "Error from server (" + status.value("reason", "") + "): " + status.value("message", "");
  return "Error from server: HTTP " + std::to_string(reply.status) + ": " + reply.body;
}

}  // namespace

Result<HttpReply> httpGet(const std::string& socketPath, const std::string& target) {
  asio::io_context io;
  Socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(socketPath), ec);
  if (ec)
    return failMsg("connecting to " + socketPath + ": " + ec.message() +
                   " (is podkeeper running? --socket names another socket)");
  setTimeouts(socket);
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, "localhost");
  request.set(bhttp::field::user_agent, "podkeeper-cli");
  request.set(bhttp::field::connection, "close");
  bhttp::write(socket, request, ec);
  if (ec) return failMsg("sending GET " + target + " to " + socketPath + ": " + ec.message());
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kBodyLimit);
  bhttp::read(socket, buffer, parser, ec);
  if (ec) return failMsg("reading the answer to GET " + target + ": " + ec.message());
  auto response = parser.release();
  return HttpReply{static_cast<int>(response.result_int()), std::move(response.body())};
}

Result<nlohmann::json> getJson(const std::string& socketPath, const std::string& target) {
  auto reply = httpGet(socketPath, target);
  if (!reply) return fail(reply.error());
  if (reply->status < 200 || reply->status > 299) return failMsg(serverError(*reply));
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (body.is_discarded()) return failMsg("GET " + target + ": the answer is not JSON");
  return body;
}

std::string urlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace podkeeper::cli
