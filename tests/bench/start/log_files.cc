// The log files a benchmark reads as they grow: a container's CRI log (LogWatcher,
// waitForMarkers) and the agent's log (GrowingFile, LineCounter).
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "harness.h"

namespace pkbench {

LogWatcher::~LogWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

bool LogWatcher::sawLine(const std::string& marker) {
  if (fd_ < 0) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return false;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    text_.append(buf, size_t(n));
  }
  return text_.find(" F " + marker + "\n") != std::string::npos;
}

bool waitForMarkers(const std::vector<std::unique_ptr<LogWatcher>>& logs, const std::string& marker,
                    int64_t timeoutNs) {
  // One instance for the whole run: closing one with watches waits for the kernel's SRCU
  // grace period (10-20 ms here), which the caller's clock would count. Watches of a log
  // directory that is gone go with it.
  static const int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (in < 0) throw std::runtime_error(std::string("inotify_init1: ") + std::strerror(errno));
  char events[4096];
  while (::read(in, events, sizeof events) > 0) {
  }
  const int64_t deadline = nowNs() + timeoutNs;
  bool all = false;
  for (;;) {
    // Watched before the check: what changes after it is an event.
    for (const auto& log : logs) {
      std::string path = log->path();
      uint32_t mask = IN_MODIFY;
      while (!exists(path) && path.size() > 1) {
        path = path.substr(0, path.rfind('/'));
        mask = IN_CREATE | IN_MOVED_TO;
      }
      (void)::inotify_add_watch(in, path.c_str(), mask);
    }
    all = std::all_of(logs.begin(), logs.end(), [&](const auto& l) { return l->sawLine(marker); });
    const int64_t left = deadline - nowNs();
    if (all || left <= 0) break;
    checkInterrupted();
    pollfd pfd{in, POLLIN, 0};
    (void)::poll(&pfd, 1, int(std::min<int64_t>(left / 1'000'000 + 1, 20)));
    while (::read(in, events, sizeof events) > 0) {
    }
  }
  return all;
}

void GrowingFile::readNewLines(const std::function<void(std::string_view line)>& onLine) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, offset_);
    if (n <= 0) break;
    offset_ += n;
    partial_.append(buf, size_t(n));
  }
  ::close(fd);
  size_t start = 0;
  for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1)
    onLine(std::string_view(partial_.data() + start, nl - start));
  partial_.erase(0, start);
}

void LineCounter::update() {
  file_.readNewLines([&](std::string_view line) {
    for (size_t i = 0; i < needles_.size(); ++i)
      if (line.find(needles_[i]) != std::string_view::npos) ++counts_[i];
  });
}

}  // namespace pkbench
