#include "agent/api/host_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace podkeeper::api {
namespace {

std::string ipv4Of(const ifaddrs* ifa) {
  char buf[INET_ADDRSTRLEN] = {};
  const auto* sin = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
  return inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf) ? buf : "";
}

// The address of iface when named, else of the first interface that is up and not loopback.
std::string interfaceAddress(const std::string& iface) {
  ifaddrs* all = nullptr;
  if (getifaddrs(&all) != 0) return "";
  std::string fallback, chosen;
  for (const ifaddrs* ifa = all; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != AF_INET) continue;
    if (!iface.empty() && iface == ifa->ifa_name) chosen = ipv4Of(ifa);
    bool usable = (ifa->ifa_flags & IFF_UP) && !(ifa->ifa_flags & IFF_LOOPBACK);
    if (usable && fallback.empty()) fallback = ipv4Of(ifa);
  }
  freeifaddrs(all);
  return chosen.empty() ? fallback : chosen;
}

}  // namespace

std::string defaultRouteInterface(std::string_view procNetRoute) {
  std::istringstream in{std::string(procNetRoute)};
  std::string line;
  std::getline(in, line);  // the header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string iface, destination, gateway, flags, refCnt, use, metric, mask;
    if (!(fields >> iface >> destination >> gateway >> flags >> refCnt >> use >> metric >> mask))
      continue;
    if (destination == "00000000" && mask == "00000000") return iface;
  }
  return "";
}

std::string detectHostIP() {
  std::ifstream route("/proc/net/route");
  std::stringstream text;
  text << route.rdbuf();
  std::string ip = interfaceAddress(defaultRouteInterface(text.str()));
  return ip.empty() ? "127.0.0.1" : ip;
}

std::string detectNodeName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace podkeeper::api
