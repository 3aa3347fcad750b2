#pragma once

#include <sys/types.h>

#include <string>

#include "common/unique_fd.h"

namespace podkeeper::runtime::shim {

// The shim's own log, <bundle>/shim.log: one timestamped line per event. No spdlog here:
// there is one shim per container and it must stay small. It lives in the state directory
// (a tmpfs): past kMaxBytes, lines are dropped, so nothing a container does can fill /run.
class Diagnostics {
 public:
  static constexpr off_t kMaxBytes = 256 * 1024;

  explicit Diagnostics(const std::string& path);
  void log(const std::string& line) const;

 private:
  UniqueFd fd_;
};

}  // namespace podkeeper::runtime::shim
