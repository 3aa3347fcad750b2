#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A small HTTP/1.1 server on 127.0.0.1 (a free port) whose answers the test scripts: for the
// hostile registries and the token service of the pull tests. One connection at a time, one
// request per connection. A reply can be cut short (the connection closed after `sendBytes`
// bytes of the whole response) or stall (hold the connection open, sending nothing more,
// until the server stops).
namespace podkeeper::support {

struct ScriptedRequest {
  std::string method;
  std::string target;                          // "/v2/x/manifests/1"
  std::map<std::string, std::string> headers;  // names in lower case
};

struct ScriptedReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  size_t sendBytes = SIZE_MAX;  // of the serialized response; less cuts it short
  bool stall = false;           // after sendBytes, keep the connection open and silent
};

class ScriptedHttpServer {
 public:
  explicit ScriptedHttpServer(std::function<ScriptedReply(const ScriptedRequest&)> handler);
  ~ScriptedHttpServer();
  ScriptedHttpServer(const ScriptedHttpServer&) = delete;
  ScriptedHttpServer& operator=(const ScriptedHttpServer&) = delete;

  uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::vector<ScriptedRequest> requests() const;  // every request so far, in order

 private:
  void serve();
  std::function<ScriptedReply(const ScriptedRequest&)> handler_;
  int listenFd_ = -1;
  int wakeFd_ = -1;  // eventfd: stop accepting and end stalls
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::vector<ScriptedRequest> requests_;
  std::thread thread_;
};

}  // namespace podkeeper::support
