#include "agent/cli/attach.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <cstring>
#include <optional>
#include <ostream>

#include "agent/cli/attach_terminal.h"
#include "common/unique_fd.h"
#include "runtime/bundle/attach_protocol.h"

namespace podkeeper::cli {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using runtime::AttachFrameType;

// SIGWINCH, as a byte on a pipe the loop polls (a handler may do little else).
int gWinchWrite = -1;
void onWinch(int) {
  const int saved = errno;
  if (gWinchWrite >= 0) (void)!::write(gWinchWrite, "w", 1);
  errno = saved;
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool sendFrame(int fd, AttachFrameType type, std::string_view payload) {
  while (true) {
    const auto n = std::min(payload.size(), runtime::kAttachMaxPayload);
    if (!writeAll(fd, runtime::encodeAttachFrame(type, payload.substr(0, n)))) return false;
    payload.remove_prefix(n);
    if (payload.empty()) return true;
  }
}

bool sendWindowSize(int sock) {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) != 0) return true;
  return writeAll(sock, runtime::encodeAttachResize(ws.ws_row, ws.ws_col));
}

std::string attachTarget(const AttachOptions& o) {
  std::string t = "/pods/" + urlEncode(o.namespace_) + "/" + urlEncode(o.name) + "/attach";
  return o.container.empty() ? t : t + "?container=" + urlEncode(o.container);
}

struct Upgraded {
  UniqueFd socket;
  std::string early;  // frames that came with the 101
  bool tty = false;
  bool stdin = false;
  std::string container;
};

// The request and the 101; any other answer is an error worded as kubectl words it.
Result<Upgraded> upgrade(const AttachOptions& o, std::ostream& err) {
  asio::io_context io;
  asio::local::stream_protocol::socket socket(io);
  boost::system::error_code ec;
  socket.connect(asio::local::stream_protocol::endpoint(o.endpoint.socketPath), ec);
  if (ec)
    return failMsg("connecting to " + o.endpoint.socketPath + ": " + ec.message() +
                   " (is podkeeper running? --socket names another socket)");
  timeval tv{30, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  bhttp::request<bhttp::empty_body> request{bhttp::verb::get, attachTarget(o), 11};
  request.set(bhttp::field::host, "localhost");
  request.set(bhttp::field::user_agent, "podkeeper-cli");
  request.set(bhttp::field::connection, "Upgrade");
  request.set(bhttp::field::upgrade, runtime::kAttachUpgradeProtocol);
  bhttp::write(socket, request, ec);
  if (ec) return failMsg("sending the attach request: " + ec.message());
  boost::beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  bhttp::read_header(socket, buffer, parser, ec);
  if (ec) return failMsg("reading the attach answer: " + ec.message());
  const auto& head = parser.get();
  if (head.result_int() != 101) {
    bhttp::read(socket, buffer, parser, ec);
    return failMsg(serverError({static_cast<int>(head.result_int()), parser.get().body()}));
  }
  const auto header = [&](const char* name) { return std::string(head[name]); };
  if (!header("X-Podkeeper-Defaulted").empty()) err << header("X-Podkeeper-Defaulted") << "\n";
  Upgraded u;
  u.tty = header("X-Podkeeper-Tty") == "true";
  u.stdin = header("X-Podkeeper-Stdin") == "true";
  u.container = header("X-Podkeeper-Container");
  u.early = boost::beast::buffers_to_string(buffer.data());
  timeval none{0, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &none, sizeof none);
  u.socket.reset(socket.release());
  return u;
}

// Writes the complete frames at the start of `in` to stdout or stderr and drops them.
bool writeFrames(std::string& in) {
  runtime::AttachFrame frame{};
  size_t used = 0;
  while (true) {
    const auto parsed = runtime::parseAttachFrame(std::string_view(in).substr(used), frame);
    if (parsed == runtime::AttachParse::Invalid) return false;
    if (parsed == runtime::AttachParse::Incomplete) break;
    if (frame.type == AttachFrameType::Stdout) writeAll(STDOUT_FILENO, frame.payload);
    if (frame.type == AttachFrameType::Stderr) writeAll(STDERR_FILENO, frame.payload);
    used += frame.size;
  }
  in.erase(0, used);
  return true;
}

class WinchPipe {
 public:
  WinchPipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
    read_.reset(fds[0]);
    write_.reset(fds[1]);
    gWinchWrite = write_.get();
    struct sigaction sa {};
    sa.sa_handler = onWinch;
    ::sigaction(SIGWINCH, &sa, &old_);
  }
  ~WinchPipe() {
    ::sigaction(SIGWINCH, &old_, nullptr);
    gWinchWrite = -1;
  }
  int fd() const { return read_.get(); }
  void drain() const {
    char buf[64];
    while (::read(read_.get(), buf, sizeof buf) > 0) {
    }
  }

 private:
  UniqueFd read_, write_;
  struct sigaction old_ {};
};

// Relays until the stream ends (the container ended or the agent went) or ctrl-p ctrl-q.
int relay(Upgraded& u, std::ostream& err) {
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  const int sock = u.socket.get();
  std::optional<RawTerminal> raw;
  std::optional<WinchPipe> winch;
  if (u.tty && terminal) {
    raw.emplace(STDIN_FILENO);
    winch.emplace();
    sendWindowSize(sock);
  }
  bool stdinOpen = u.stdin;
  DetachKeys keys;
  std::string in = std::move(u.early);
  if (!writeFrames(in)) return 1;
  while (true) {
    pollfd fds[3] = {{sock, POLLIN, 0},
                     {stdinOpen ? STDIN_FILENO : -1, POLLIN, 0},
                     {winch ? winch->fd() : -1, POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      err << "error: poll: " << std::strerror(errno) << "\n";
      return 1;
    }
    if (fds[0].revents) {
      char buf[16384];
      const ssize_t n = ::read(sock, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;  // the container ended, or the agent stopped
      in.append(buf, static_cast<size_t>(n));
      if (!writeFrames(in)) {
        err << "error: the agent sent a malformed attach frame\n";
        return 1;
      }
    }
    if (fds[1].revents) {
      char buf[runtime::kAttachMaxPayload];
      const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stdinOpen = false;
        if (!u.tty) sendFrame(sock, AttachFrameType::CloseStdin, "");
        continue;
      }
      auto typed = keys.feed(std::string_view(buf, static_cast<size_t>(n)));
      if (!typed.forward.empty() && !sendFrame(sock, AttachFrameType::Stdin, typed.forward))
        return 0;
      if (typed.detach) {
        raw.reset();
        err << "\nread escape sequence\n";
        return 0;
      }
    }
    if (winch && fds[2].revents) {
      winch->drain();
      sendWindowSize(sock);
    }
  }
}

}  // namespace

int runAttach(const AttachOptions& o, std::ostream& err) {
  auto u = upgrade(o, err);
  if (!u) {
    err << u.error().message << "\n";
    return 1;
  }
  const bool terminal = ::isatty(STDIN_FILENO) == 1;
  if (terminal && !u->tty) {
    err << "Unable to use a TTY - container " << u->container << " did not allocate one\n";
  }
  if (u->tty && terminal) err << "If you don't see a command prompt, try pressing enter.\n";
  err.flush();
  return relay(*u, err);
}

}  // namespace podkeeper::cli
