#include "runtime/shim/relay.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "runtime/logs/cri_log.h"
#include "runtime/sys/proc.h"

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

// The container's output goes on whatever happens to the log: when it cannot be written (a
// full disk), entries are dropped and counted, and the shim's own log gets one line when
// that starts and one when it ends, not one per entry.
class LogSink {
 public:
  LogSink(CriLogWriter& log, const Diagnostics& diag) : log_(log), diag_(diag) {}
  ~LogSink() { reportDropped("container output ended"); }

  void write(LogStream kind, const std::vector<LogEntry>& entries) {
    const int64_t now = realtimeNowNs();
    for (const auto& e : entries) {
      auto r = log_.write(now, kind, e);
      if (r) {
        reportDropped("log writable again");
        continue;
      }
      if (dropped_++ == 0) {
        diag_.log("log write failed: " + r.error().message + "; dropping output until it works");
      }
    }
  }

 private:
  void reportDropped(const std::string& why) {
    if (dropped_ == 0) return;
    diag_.log(why + "; " + std::to_string(dropped_) + " log entries were dropped");
    dropped_ = 0;
  }

  CriLogWriter& log_;
  const Diagnostics& diag_;
  uint64_t dropped_ = 0;
};

// Reads what is there; closes the stream at EOF.
void drain(Stream& s, LogSink& sink, AttachServer* attach) {
  char buf[32 * 1024];
  const ssize_t n = ::read(s.fd.get(), buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    sink.write(s.kind, s.splitter.finish());
    s.fd.reset();
    return;
  }
  const std::string_view bytes(buf, static_cast<size_t>(n));
  if (attach) attach->output(s.kind, bytes);
  sink.write(s.kind, s.splitter.feed(bytes));
}

Result<siginfo_t> reap(int pidfd) {
  siginfo_t si{};
  while (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &si, WEXITED) != 0) {
    if (errno != EINTR) return failSys(errno, "waitid container init");
  }
  return si;
}

}  // namespace

Result<siginfo_t> relayUntilExit(RunningContainer& c, CriLogWriter& log, const Diagnostics& diag,
                                 AttachServer* attach) {
  Stream streams[2] = {{c.stdoutFd, LogStream::Stdout, LogLineSplitter()},
                       {c.stderrFd, LogStream::Stderr, LogLineSplitter()}};
  LogSink sink(log, diag);
  std::optional<siginfo_t> exited;
  auto drainDeadline = std::chrono::steady_clock::time_point::max();
  while (streams[0].fd.valid() || streams[1].fd.valid()) {
    pollfd fds[3 + AttachServer::kMaxPollFds] = {{streams[0].fd.get(), POLLIN, 0},
                                                 {streams[1].fd.get(), POLLIN, 0},
                                                 {exited ? -1 : c.pidfd.get(), POLLIN, 0}};
    const size_t attachFds = attach && !exited ? attach->pollFds(fds + 3) : 0;
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
    if (::poll(fds, static_cast<nfds_t>(3 + attachFds), timeout) < 0) {
      if (errno == EINTR) continue;
      return failSys(errno, "poll");
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd >= 0 && fds[i].revents) drain(streams[i], sink, attach);
    }
    if (attachFds) attach->handle(fds + 3, attachFds);
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
