#include "runtime/shim/diagnostics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/logs/cri_log.h"
#include "runtime/sys/proc.h"

namespace podkeeper::runtime::shim {

Diagnostics::Diagnostics(const std::string& path)
    : fd_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600)) {}

void Diagnostics::log(const std::string& line) const {
  if (!fd_.valid()) return;
  struct stat st {};
  if (::fstat(fd_.get(), &st) != 0 || st.st_size >= kMaxBytes) return;
  const std::string text =
      formatRfc3339Nano(realtimeNowNs()) + " [" + std::to_string(::getpid()) + "] " + line + "\n";
  (void)!::write(fd_.get(), text.data(), text.size());
}

}  // namespace podkeeper::runtime::shim
