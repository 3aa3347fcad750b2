#include "runtime/sys/changed_dirs.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace podkeeper::runtime {
namespace {

constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY |
                           IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

}  // namespace

ChangedDirs::ChangedDirs() : fd_(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) {}

bool ChangedDirs::watch(const std::string& dir, const std::string& owner) {
  if (!fd_.valid()) return false;
  std::lock_guard lock(mu_);
  const int wd = ::inotify_add_watch(fd_.get(), dir.c_str(), kMask);
  if (wd < 0) return false;
  owners_[wd] = owner;
  return true;
}

ChangedDirs::Changes ChangedDirs::take() {
  Changes out;
  if (!fd_.valid()) {
    out.all = true;
    return out;
  }
  std::lock_guard lock(mu_);
  alignas(inotify_event) char buf[16384];
  for (;;) {
    const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // EAGAIN: drained. Anything else leaves what changed unknown.
      if (n == 0 || errno != EAGAIN) out.all = true;
      break;
    }
    for (ssize_t at = 0; at < n;) {
      inotify_event ev;
      std::memcpy(&ev, buf + at, sizeof ev);
      at += ssize_t(sizeof ev + ev.len);
      if (ev.mask & IN_Q_OVERFLOW) {
        out.all = true;
        continue;
      }
      auto it = owners_.find(ev.wd);
      if (it == owners_.end()) continue;
      out.owners.insert(it->second);
      if (ev.mask & IN_IGNORED) owners_.erase(it);  // the directory is gone
    }
  }
  return out;
}

size_t ChangedDirs::watches() const {
  std::lock_guard lock(mu_);
  return owners_.size();
}

}  // namespace podkeeper::runtime
