#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

// One blocking HTTP/1.1 GET per connection, for tests that talk to a real server: the agent
// on its unix socket or TCP port, a Prometheus on loopback.
namespace podkeeper::support {

// A port on 127.0.0.1 that was free a moment ago (bound to port 0, then closed).
uint16_t freeLoopbackPort();

struct HttpResult {
  int status = 0;  // 0: no answer (refused, reset, timed out, unparsable)
  std::string body;
};

// GET target over the unix socket at socketPath.
HttpResult httpGetUnix(const std::string& socketPath, const std::string& target);
// GET target from 127.0.0.1:port.
HttpResult httpGetLoopback(uint16_t port, const std::string& target);

// What an HTTPS GET presents and trusts. Without caFile the server is not verified.
struct HttpsCredentials {
  std::string bearerToken{};  // Authorization: Bearer ...
  std::string certFile{};     // client certificate and its key
  std::string keyFile{};
  std::string caFile{};
};

// GET target from https://127.0.0.1:port; status 0 also when the handshake fails.
HttpResult httpsGetLoopback(uint16_t port, const std::string& target,
                            const HttpsCredentials& credentials = {});

// GET a streamed (chunked) answer from https://127.0.0.1:port: onBody gets the body's bytes as
// they arrive; returns when the body ends (or a read fails: status 0 then), with body "".
HttpResult httpsStreamLoopback(uint16_t port, const std::string& target,
                               const HttpsCredentials& credentials,
                               const std::function<void(std::string_view)>& onBody);

}  // namespace podkeeper::support
