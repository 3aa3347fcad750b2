#include "runtime/shim/relay.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>

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
// that starts and one when it ends, not one per entry. The running total goes to the count
// file (in the state directory, not on the log's filesystem) at every loss, for the agent's
// podkeeper_container_log_entries_dropped_total.
class LogSink {
 public:
  LogSink(CriLogWriter& log, const Diagnostics& diag, const std::string& countFile)
      : log_(log), diag_(diag), countFile_(countFile) {}
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
      publishTotal(++total_);
    }
  }

 private:
  void reportDropped(const std::string& why) {
    if (dropped_ == 0) return;
    diag_.log(why + "; " + std::to_string(dropped_) + " log entries were dropped");
    dropped_ = 0;
  }

  // Fixed width, rewritten in place: the file never changes size, so a reader sees one whole
  // number, and a rewrite needs no new blocks.
  void publishTotal(uint64_t total) {
    if (!countFd_.valid()) {
      countFd_.reset(::open(countFile_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
      if (!countFd_.valid()) {
        if (!countFailed_) diag_.log("cannot count dropped log entries in " + countFile_);
        countFailed_ = true;
        return;
      }
    }
    char text[22];
    std::snprintf(text, sizeof text, "%020llu\n", static_cast<unsigned long long>(total));
    (void)::pwrite(countFd_.get(), text, 21, 0);
  }

  CriLogWriter& log_;
  const Diagnostics& diag_;
  const std::string& countFile_;
  UniqueFd countFd_;
  bool countFailed_ = false;
  uint64_t dropped_ = 0;  // since the log last took an entry
  uint64_t total_ = 0;    // over the container's life
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
                                 const std::string& droppedCountFile, AttachServer* attach) {
  Stream streams[2] = {{c.stdoutFd, LogStream::Stdout, LogLineSplitter()},
                       {c.stderrFd, LogStream::Stderr, LogLineSplitter()}};
  LogSink sink(log, diag, droppedCountFile);
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
