#pragma once

#include <string>
#include <string_view>

// The node's identity for pod status: status.hostIP and spec.nodeName, as the kubelet takes
// them (the address of the interface holding the default route; the host name).
namespace podkeeper::api {

// The interface of the IPv4 default route in /proc/net/route's text; "" when there is none.
std::string defaultRouteInterface(std::string_view procNetRoute);

// The IPv4 address of the default-route interface, else of the first interface that is up
// and not loopback, else 127.0.0.1.
std::string detectHostIP();

// gethostname(), or "localhost" when it fails.
std::string detectNodeName();

}  // namespace podkeeper::api
