#include "agent/http/listen_address.h"

#include <charconv>

namespace podkeeper::http {

Result<TcpListenAddress> parseListenAddress(const std::string& hostPort) {
  auto bad = [&](const std::string& why) {
    return failMsg("listen address \"" + hostPort + "\": " + why);
  };
  size_t colon = hostPort.rfind(':');
  if (colon == std::string::npos) return bad("expected host:port");
  std::string host = hostPort.substr(0, colon);
  std::string portText = hostPort.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return bad("IPv6 addresses need brackets, e.g. [::1]:10255");
  }
  if (host.empty()) host = "0.0.0.0";

  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (portText.empty() || ec != std::errc{} || ptr != portText.data() + portText.size() ||
      port > 65535) {
    return bad("port \"" + portText + "\" is not a number from 0 to 65535");
  }
  boost::system::error_code err;
  auto address = boost::asio::ip::make_address(host, err);
  if (err) return bad("host \"" + host + "\" is not an IP address");
  return TcpListenAddress{address, static_cast<uint16_t>(port)};
}

}  // namespace podkeeper::http
