#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/error.h"

// The CLI's HTTP/1.1 client: one GET per connection, to the agent's unix socket (no
// credentials: the socket is root's) or, with --server, to a node's HTTPS port with a bearer
// token or a client certificate. One client, two transports.
namespace podkeeper::cli {

inline constexpr const char* kDefaultSocket = "/run/podkeeper/podkeeper.sock";

struct ApiEndpoint {
  std::string socketPath = kDefaultSocket;
  std::string server;     // https://HOST[:PORT] (default port 10250); "" = the unix socket
  std::string token;      // --token
  std::string tokenFile;  // --token-file (read at each request, trimmed)
  std::string certFile;   // --cert / --key: a client certificate
  std::string keyFile;
  std::string caFile;  // --ca; default: the system's CAs
  bool insecureSkipTlsVerify = false;
};

struct HttpReply {
  int status = 0;
  std::string body;
};

// A non-2xx answer as kubectl words it: "Error from server (NotFound): pods "web" not found".
std::string serverError(const HttpReply& reply);

// With a sink, a 2xx body is passed to it as it arrives (a stream: no read deadline) and the
// reply's body stays empty.
using BodySink = std::function<void(std::string_view)>;
Result<HttpReply> httpGet(const ApiEndpoint& endpoint, const std::string& target,
                          const BodySink& sink = {});

// GET returning JSON. A non-2xx answer becomes an error worded as kubectl words it:
// "Error from server (NotFound): pods "web" not found".
Result<nlohmann::json> getJson(const ApiEndpoint& endpoint, const std::string& target);

struct ServerUrl {
  std::string host;  // without brackets
  std::string port = "10250";
};
// "https://node-a:10250", "https://10.0.0.5", "https://[fd00::1]:10250"; http:// is refused
// (the pod API is never served in plain text).
Result<ServerUrl> parseServerUrl(const std::string& url);

// Percent-encodes a path segment or query value.
std::string urlEncode(const std::string& s);

}  // namespace podkeeper::cli
