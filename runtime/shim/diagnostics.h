#pragma once

#include <string>

#include "common/unique_fd.h"

namespace podkeeper::runtime::shim {

// The shim's own log, <bundle>/shim.log: one timestamped line per event. No spdlog here:
// there is one shim per container and it must stay small.
class Diagnostics {
 public:
  explicit Diagnostics(const std::string& path);
  void log(const std::string& line) const;

 private:
  UniqueFd fd_;
};

}  // namespace podkeeper::runtime::shim
