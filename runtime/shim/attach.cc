#include "runtime/shim/attach.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>

#include <cerrno>
#include <cstring>

namespace podkeeper::runtime::shim {
namespace {

Result<void> setNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return failSys(errno, "set O_NONBLOCK");
  }
  return {};
}

// A pty from the host's devpts, the slave opened through the master (TIOCGPTPEER) so no
// path is looked up. The master's dup is the shim's input end; both share O_NONBLOCK, which
// the output relay tolerates (EAGAIN is "nothing yet").
Result<ContainerStdin> openPty() {
  ContainerStdin s;
  s.ptyMaster.reset(::open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!s.ptyMaster.valid()) return failSys(errno, "open /dev/ptmx");
  int unlock = 0;
  if (::ioctl(s.ptyMaster.get(), TIOCSPTLCK, &unlock) != 0) return failSys(errno, "unlock pty");
  s.child.reset(::ioctl(s.ptyMaster.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!s.child.valid()) return failSys(errno, "open pty slave");
  s.shimInput.reset(::fcntl(s.ptyMaster.get(), F_DUPFD_CLOEXEC, 3));
  if (!s.shimInput.valid()) return failSys(errno, "dup pty master");
  if (auto r = setNonBlocking(s.shimInput.get()); !r) return fail(r.error().context("pty"));
  return s;
}

// sun_path holds 108 bytes and a state directory's container path can be longer: bind and
// connect through the directory's descriptor, as conmon does.
struct SocketAddress {
  UniqueFd dir;
  sockaddr_un addr{};
};

Result<SocketAddress> socketAddress(const std::string& path) {
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  SocketAddress a;
  a.dir.reset(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!a.dir.valid()) return failSys(errno, "open " + dir);
  const std::string via = "/proc/self/fd/" + std::to_string(a.dir.get()) + "/" + name;
  if (via.size() >= sizeof a.addr.sun_path) return failMsg("attach socket name too long: " + path);
  a.addr.sun_family = AF_UNIX;
  std::memcpy(a.addr.sun_path, via.c_str(), via.size() + 1);
  return a;
}

}  // namespace

Result<ContainerStdin> openContainerStdin(const ShimConfig& config) {
  if (config.tty) return openPty();
  ContainerStdin s;
  if (!config.stdin) return s;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failSys(errno, "stdin pipe");
  s.child.reset(fds[0]);
  s.shimInput.reset(fds[1]);
  if (auto r = setNonBlocking(s.shimInput.get()); !r) return fail(r.error().context("stdin"));
  return s;
}

AttachServer::~AttachServer() {
  if (listener_.valid()) ::unlink(path_.c_str());
}

Result<void> AttachServer::open(const std::string& socketPath, UniqueFd input, bool tty,
                                bool stdinOnce) {
  auto where = socketAddress(socketPath);
  if (!where) return fail(where.error());
  UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return failSys(errno, "attach socket");
  ::unlink(socketPath.c_str());  // a previous instance's
  const mode_t old = ::umask(0177);
  const int bound =
      ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&where->addr), sizeof where->addr);
  const int bindErrno = errno;
  ::umask(old);
  if (bound != 0) return failSys(bindErrno, "bind " + socketPath);
  if (::listen(fd.get(), static_cast<int>(kMaxClients)) != 0) {
    return failSys(errno, "listen " + socketPath);
  }
  path_ = socketPath;
  listener_ = std::move(fd);
  input_ = std::move(input);
  tty_ = tty;
  stdinOnce_ = stdinOnce;
  return {};
}

// Always the same layout: [0] the listener, [1] stdin while input is pending, [2..] the
// client slots (-1 when free: poll skips them).
size_t AttachServer::pollFds(pollfd* fds) const {
  const bool waiting = pendingEnd_ > pendingStart_;
  fds[0] = {listener_.get(), POLLIN, 0};
  fds[1] = {waiting ? input_.get() : -1, POLLOUT, 0};
  for (size_t i = 0; i < kMaxClients; ++i) {
    fds[2 + i] = {clients_[i].get(), static_cast<short>(waiting ? 0 : POLLIN), 0};
  }
  return kMaxPollFds;
}

void AttachServer::handle(const pollfd* fds, size_t n) {
  if (n < kMaxPollFds || !listener_.valid()) return;
  if (fds[1].fd >= 0 && fds[1].revents) writeInput();
  for (size_t i = 0; i < kMaxClients; ++i) {
    if (fds[2 + i].fd >= 0 && fds[2 + i].revents) receive(i);
  }
  if (fds[0].revents & POLLIN) accept();
}

void AttachServer::accept() {
  UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (!fd.valid()) return;
  for (auto& slot : clients_) {
    if (!slot.valid()) {
      slot = std::move(fd);
      diag_.log("attach: client connected");
      return;
    }
  }
  diag_.log("attach: refused a client, " + std::to_string(kMaxClients) + " already attached");
}

void AttachServer::receive(size_t client) {
  char buf[kAttachMaxFrame];
  const ssize_t n = ::recv(clients_[client].get(), buf, sizeof buf, MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return drop(client);
  AttachFrame frame{};
  const std::string_view bytes(buf, static_cast<size_t>(n));
  if (parseAttachFrame(bytes, frame) != AttachParse::Frame || frame.size != bytes.size()) {
    diag_.log("attach: a client sent a malformed frame; closing it");
    return drop(client);
  }
  apply(frame);
}

void AttachServer::apply(const AttachFrame& frame) {
  switch (frame.type) {
    case AttachFrameType::Stdin:
      if (!input_.valid() || frame.payload.empty()) return;
      std::memcpy(pending_.data(), frame.payload.data(), frame.payload.size());
      pendingStart_ = 0;
      pendingEnd_ = frame.payload.size();
      return writeInput();
    case AttachFrameType::Resize: {
      const auto size = parseAttachResize(frame.payload);
      if (!tty_ || !input_.valid() || !size) return;
      winsize ws{};
      ws.ws_row = size->rows;
      ws.ws_col = size->cols;
      if (::ioctl(input_.get(), TIOCSWINSZ, &ws) != 0) {
        diag_.log("attach: resize failed: " + std::string(std::strerror(errno)));
      }
      return;
    }
    case AttachFrameType::CloseStdin:
      // containerd: the end of a client's stdin closes the container's only with stdinOnce.
      if (stdinOnce_ && !tty_) closeStdin("stdinOnce: the attached client's stdin ended");
      return;
    default:
      return;
  }
}

void AttachServer::writeInput() {
  while (pendingStart_ < pendingEnd_ && input_.valid()) {
    const ssize_t n =
        ::write(input_.get(), pending_.data() + pendingStart_, pendingEnd_ - pendingStart_);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;  // polled for POLLOUT; clients wait meanwhile
    if (n < 0) {
      diag_.log("attach: stdin write failed: " + std::string(std::strerror(errno)));
      closeStdin("the container's stdin is gone");
      break;
    }
    pendingStart_ += static_cast<size_t>(n);
  }
  pendingStart_ = pendingEnd_ = 0;
}

void AttachServer::drop(size_t client) {
  clients_[client].reset();
  diag_.log("attach: client detached");
  // As containerd: stdinOnce closes stdin when the first attach ends, except on a pty,
  // which also carries the output.
  if (stdinOnce_ && !tty_) closeStdin("stdinOnce: the first attach detached");
}

void AttachServer::closeStdin(const char* why) {
  if (!input_.valid() || tty_) return;
  writeInput();
  input_.reset();
  pendingStart_ = pendingEnd_ = 0;
  diag_.log(std::string("attach: stdin closed: ") + why);
}

void AttachServer::output(LogStream stream, std::string_view bytes) {
  const auto type = stream == LogStream::Stdout ? AttachFrameType::Stdout : AttachFrameType::Stderr;
  char frame[kAttachMaxFrame];
  while (!bytes.empty()) {
    const size_t n = bytes.size() < kAttachMaxPayload ? bytes.size() : kAttachMaxPayload;
    putAttachHeader(frame, type, n);
    std::memcpy(frame + kAttachHeaderBytes, bytes.data(), n);
    for (size_t i = 0; i < kMaxClients; ++i) {
      if (!clients_[i].valid()) continue;
      // A client that cannot keep up loses output (the CRI log has all of it); one that is
      // gone is dropped.
      const ssize_t sent =
          ::send(clients_[i].get(), frame, kAttachHeaderBytes + n, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (sent < 0 && errno != EAGAIN && errno != EINTR && errno != ENOBUFS) drop(i);
    }
    bytes.remove_prefix(n);
  }
}

}  // namespace podkeeper::runtime::shim
