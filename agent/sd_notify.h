#pragma once

#include <string>

namespace podkeeper::agent {

// Tells systemd (Type=notify) about our state, e.g. "READY=1". A no-op without
// $NOTIFY_SOCKET. Written by hand: one datagram, no libsystemd needed.
void sdNotify(const std::string& state);

}  // namespace podkeeper::agent
