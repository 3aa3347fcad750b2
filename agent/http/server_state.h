#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>

#include "agent/http/http_message.h"
#include "agent/http/http_server.h"

namespace podkeeper::http {

// Shared by the server, its listeners and sessions; sessions keep it alive, so a session
// finishing after the server is gone still finds it.
struct ServerState {
  Handler handler;
  HttpServerLimits limits;
  size_t active = 0;
  bool atLimitLogged = false;
  uint64_t nextSessionId = 0;
  std::unordered_map<uint64_t, std::function<void()>> closers;  // open sessions
  // Sessions waiting for a request or a TLS handshake, oldest (lowest id) first.
  std::map<uint64_t, std::function<void()>> waiting;
  uint64_t refused = 0;  // connections refused at the limit
};

}  // namespace podkeeper::http
