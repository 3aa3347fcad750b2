#include "agent/cli/api_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

namespace podkeeper::cli {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;

constexpr int kTimeoutSeconds = 30;
constexpr uint64_t kBodyLimit = 256u << 20;

// Blocking calls with a deadline, so a wedged agent does not hang the CLI forever.
void setTimeouts(int fd) {
  timeval tv{kTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

template <class Stream>
Result<HttpReply> exchange(Stream& stream, const std::string& where, const std::string& target,
                           const std::string& host, const std::string& bearer,
                           const BodySink& sink) {
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
  request.set(bhttp::field::host, host);
  request.set(bhttp::field::user_agent, "podkeeper-cli");
  request.set(bhttp::field::connection, "close");
  if (!bearer.empty()) request.set(bhttp::field::authorization, "Bearer " + bearer);
  boost::system::error_code ec;
  bhttp::write(stream, request, ec);
  if (ec) return failMsg("sending GET " + target + " to " + where + ": " + ec.message());
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kBodyLimit);
  if (sink) bhttp::read_header(stream, buffer, parser, ec);
  if (sink && !ec && parser.get().result_int() / 100 == 2) {
    // A stream (logs -f): no read deadline; the body goes to the sink as it comes.
    timeval none{0, 0};
    ::setsockopt(boost::beast::get_lowest_layer(stream).native_handle(), SOL_SOCKET, SO_RCVTIMEO,
                 &none, sizeof none);
    parser.body_limit(boost::none);
    while (!ec && !parser.is_done()) {
      bhttp::read_some(stream, buffer, parser, ec);
      if (!parser.get().body().empty()) sink(parser.get().body());
      parser.get().body().clear();
    }
  } else if (!ec) {
    bhttp::read(stream, buffer, parser, ec);
  }
  if (ec)
    return failMsg("reading the answer to GET " + target + " from " + where + ": " + ec.message());
  auto response = parser.release();
  return HttpReply{static_cast<int>(response.result_int()), std::move(response.body())};
}

Result<HttpReply> overUnix(const ApiEndpoint& e, const std::string& target, const BodySink& sink) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(e.socketPath), ec);
  if (ec)
    return failMsg("connecting to " + e.socketPath + ": " + ec.message() +
                   " (is podkeeper running? --socket names another socket)");
  setTimeouts(socket.native_handle());
  return exchange(socket, e.socketPath, target, "localhost", "", sink);
}

Result<std::string> bearerToken(const ApiEndpoint& e) {
  if (e.tokenFile.empty()) return e.token;
  std::ifstream in(e.tokenFile);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return failMsg("--token-file " + e.tokenFile + ": cannot be read");
  std::string token = text.str();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  return token;
}

Result<void> configure(ssl::context& ctx, const ApiEndpoint& e) {
  boost::system::error_code ec;
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  if (e.insecureSkipTlsVerify) {
    ctx.set_verify_mode(ssl::verify_none);
  } else {
    ctx.set_verify_mode(ssl::verify_peer);
    if (e.caFile.empty())
      ctx.set_default_verify_paths(ec);
    else
      ctx.load_verify_file(e.caFile, ec);
    if (ec) return failMsg("--ca " + e.caFile + ": " + ec.message());
  }
  if (e.certFile.empty() != e.keyFile.empty()) return failMsg("--cert and --key go together");
  if (!e.certFile.empty()) {
    ctx.use_certificate_chain_file(e.certFile, ec);
    if (ec) return failMsg("--cert " + e.certFile + ": " + ec.message());
    ctx.use_private_key_file(e.keyFile, ssl::context::pem, ec);
    if (ec) return failMsg("--key " + e.keyFile + ": " + ec.message());
  }
  return {};
}

Result<HttpReply> overTls(const ApiEndpoint& e, const std::string& target, const BodySink& sink) {
  auto url = parseServerUrl(e.server);
  if (!url) return fail(url.error());
  auto token = bearerToken(e);
  if (!token) return fail(token.error());
  ssl::context ctx(ssl::context::tls_client);
  if (auto r = configure(ctx, e); !r) return fail(r.error());
  asio::io_context io;
  boost::system::error_code ec;
  asio::ip::tcp::resolver resolver(io);
  auto addresses = resolver.resolve(url->host, url->port, ec);
  if (ec) return failMsg("--server " + e.server + ": " + ec.message());
  ssl::stream<asio::ip::tcp::socket> stream(io, ctx);
  asio::connect(stream.next_layer(), addresses, ec);
  if (ec) return failMsg("connecting to " + e.server + ": " + ec.message());
  setTimeouts(stream.next_layer().native_handle());
  SSL_set_tlsext_host_name(stream.native_handle(), url->host.c_str());
  if (!e.insecureSkipTlsVerify) stream.set_verify_callback(ssl::host_name_verification(url->host));
  stream.handshake(ssl::stream_base::client, ec);
  if (ec)
    return failMsg("TLS with " + e.server + ": " + ec.message() +
                   (e.insecureSkipTlsVerify ? "" : " (--ca names the CA of its certificate)"));
  const bool v6 = url->host.find(':') != std::string::npos;
  const std::string host = (v6 ? "[" + url->host + "]" : url->host) + ":" + url->port;
  return exchange(stream, e.server, target, host, *token, sink);
}

}  // namespace

std::string serverError(const HttpReply& reply) {
  auto status = nlohmann::json::parse(reply.body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status")
    return "Error from server (" + status.value("reason", "") + "): " + status.value("message", "");
  if (reply.status == 401 || reply.status == 403)
    return "error: You must be logged in to the server (" + reply.body.substr(0, 200) + ")";
  return "Error from server: HTTP " + std::to_string(reply.status) + ": " + reply.body;
}

Result<ServerUrl> parseServerUrl(const std::string& url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme))
    return failMsg("--server \"" + url + "\" must be https://HOST[:PORT]");
  std::string rest = url.substr(kScheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  ServerUrl out;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string::npos) return failMsg("--server \"" + url + "\": unclosed [");
    out.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') out.port = rest.substr(close + 2);
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    out.host = rest.substr(0, colon);
    out.port = rest.substr(colon + 1);
  } else {
    out.host = rest;
  }
  if (out.host.empty() || out.port.empty() ||
      out.port.find_first_not_of("0123456789") != std::string::npos)
    return failMsg("--server \"" + url + "\" must be https://HOST[:PORT]");
  return out;
}

Result<HttpReply> httpGet(const ApiEndpoint& endpoint, const std::string& target,
                          const BodySink& sink) {
  return endpoint.server.empty() ? overUnix(endpoint, target, sink)
                                 : overTls(endpoint, target, sink);
}

Result<nlohmann::json> getJson(const ApiEndpoint& endpoint, const std::string& target) {
  auto reply = httpGet(endpoint, target);
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
