#include "runtime/shim/diagnostics.h"

#include <fcntl.h>
#include <unistd.h>

#include "runtime/cri_log.h"
#include "runtime/proc.h"

namespace podkeeper::runtime::shim {

Diagnostics::Diagnostics(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) {}

void Diagnostics::log(const std::string& line) const {
  if (!fd_.valid()) return;
  const std::string text =
      formatRfc3339Nano(realtimeNowNs()) + " [" + std::to_string(::getpid()) + "] " + line + "\n";
  (void)!::write(fd_.get(), text.data(), text.size());
}

}  // namespace podkeeper::runtime::shim
