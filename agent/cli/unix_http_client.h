#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

// A minimal HTTP/1.1 client for the agent's unix socket: one GET per connection.
namespace podkeeper::cli {

inline constexpr const char* kDefaultSocket = "/run/podkeeper/podkeeper.sock";

struct HttpReply {
  int status = 0;
  std::string body;
};

Result<HttpReply> httpGet(const std::string& socketPath, const std::string& target);

// GET returning JSON. A non-2xx answer becomes an error worded as kubectl words it:
// "Error from server (NotFound): pods "web" not found".
Result<nlohmann::json> getJson(const std::string& socketPath, const std::string& target);

// Percent-encodes a path segment or query value.
std::string urlEncode(const std::string& s);

}  // namespace podkeeper::cli
