#include "runtime/shim/relay.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "runtime/cri_log.h"
#include "runtime/proc.h"

namespace podkeeper::runtime::shim {
namespace {

// Once the init is gone the kernel kills the rest of its pid namespace, so the pipes close
// promptly; this bounds the wait should something still hold them.
constexpr int kDrainAfterExitMs = 2000;

struct Stream {
  UniqueFd& fd;
  LogStream kind;
  LogLineSplitter splitter;
};

void writeEntries(CriLogWriter& log, LogStream kind, const std::vector<LogEntry>& entries,
                  const Diagnostics& diag) {
  const int64_t now = realtimeNowNs();
  for (const auto& e : entries) {
    if (auto r = log.write(now, kind, e); !r) diag.log("log write failed: " + r.error().message);
  }
}

// Reads what is there; closes the stream at EOF.
void drain(Stream& s, CriLogWriter& log, const Diagnostics& diag) {
  char buf[32 * 1024];
  const ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    writeEntries(log, s.kind, s.splitter.finish(), diag);
    s.fd.reset();
    return;
  }
  writeEntries(log, s.kind, s.splitter.feed(std::string_view(buf, static_cast<size_t>(n))), diag);
}

Result<siginfo_t> reap(int pidfd) {
  siginfo_t si{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &si, WEXITED) != 0) {
    if (errno != EINTR) return failSys(errno, "waitid container init");
  }
  return si;
}

}  // namespace

Result<siginfo_t> relayUntilExit(RunningContainer& c, CriLogWriter& log, const Diagnostics& diag) {
  Stream streams[2] = {{c.stdoutFd, LogStream::Stdout, LogLineSplitter()},
                       {c.stderrFd, LogStream::Stderr, LogLineSplitter()}};
  std::optional<siginfo_t> exited;
  auto drainDeadline = std::chrono::steady_clock::time_point::max();
  while (streams[0].fd.valid() || streams[1].fd.valid()) {
    pollfd fds[3] = {{streams[0].fd.get(), POLLIN, 0},
                     {streams[1].fd.get(), POLLIN, 0},
                     {exited ? -1 : c.pidfd.get(), POLLIN, 0}};
    int timeout = -1;
    if (exited) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          drainDeadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        diag.log("output pipes still open after the container exited; stop relaying");
        break;
      }
      timeout = static_cast<int>(left.count());
    }
    if (::poll(fds, 3, timeout) < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "poll");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents) drain(streams[i], log, diag);
    }
    if (!exited && fds[2].revents) {
      auto si = reap(c.pidfd.get());
      if (!si) return fail(si.error());
      exited = *si;
      drainDeadline =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(kDrainAfterExitMs);
    }
  }
  if (exited) return *exited;
  return reap(c.pidfd.get());
}

}  // namespace podkeeper::runtime::shim
