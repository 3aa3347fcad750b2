#pragma once

#include <chrono>
#include <functional>

namespace podkeeper::support {

// Polls cond every interval until it holds or the timeout passes, then asks once more;
// returns whether it held. For tests that wait on real processes, files and servers.
bool waitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout,
             std::chrono::milliseconds interval = std::chrono::milliseconds(20));

}  // namespace podkeeper::support
