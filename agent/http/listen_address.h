#pragma once

#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>

#include "common/error.h"

namespace podkeeper::http {

struct TcpListenAddress {
  boost::asio::ip::address address;
  uint16_t port = 0;
};

// "0.0.0.0:10255", "127.0.0.1:0", "[::1]:0", ":10255" (all IPv4 interfaces). Host names are
// refused: the agent never waits for DNS.
Result<TcpListenAddress> parseListenAddress(const std::string& hostPort);

}  // namespace podkeeper::http
