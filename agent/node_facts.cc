#include "agent/node_facts.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

namespace podkeeper::agent {

NodeIdentity readNodeIdentity() {
  NodeIdentity id;
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) id.name = host;
  id.hostIP = "127.0.0.1";
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return id;
  for (ifaddrs* a = list; a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET) continue;
    if ((a->ifa_flags & IFF_UP) == 0 || (a->ifa_flags & IFF_LOOPBACK) != 0) continue;
    char buf[INET_ADDRSTRLEN] = {};
    auto* in = reinterpret_cast<sockaddr_in*>(a->ifa_addr);
    if (::inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf)) {
      id.hostIP = buf;
      break;
    }
  }
  ::freeifaddrs(list);
  return id;
}

}  // namespace podkeeper::agent
