#include "tests/e2e/cli/attach_client.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <stdexcept>

#include "tests/support/wait_for.h"

namespace podkeeper::e2e {

AttachClient::AttachClient(std::vector<std::string> argv, Stdio stdio, unsigned short rows,
                           unsigned short cols) {
  int childIn = -1, childOut = -1;
  if (stdio == Stdio::Terminal) {
    terminal_.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!terminal_.valid() || ::grantpt(terminal_.get()) != 0 || ::unlockpt(terminal_.get()) != 0)
      throw std::runtime_error("no pty");
    resize(rows, cols);
    childIn = childOut = ::open(::ptsname(terminal_.get()), O_RDWR | O_NOCTTY | O_CLOEXEC);
  } else {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("no pipe");
    childIn = in[0];
    input_.reset(in[1]);
    childOut = out[1];
    output_fd_.reset(out[0]);
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::setsid();
    if (stdio == Stdio::Terminal) ::ioctl(childIn, TIOCSCTTY, 0);
    ::dup2(childIn, 0);
    ::dup2(childOut, 1);
    ::dup2(childOut, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(childIn);
  if (childOut != childIn) ::close(childOut);
  const int readFd = terminal_.valid() ? terminal_.get() : output_fd_.get();
  ::fcntl(readFd, F_SETFL, ::fcntl(readFd, F_GETFL) | O_NONBLOCK);
}

AttachClient::~AttachClient() {
  if (pid_ > 0 && waitExit(std::chrono::milliseconds(0)) == -1 && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

void AttachClient::type(const std::string& keys) const {
  const int fd = terminal_.valid() ? terminal_.get() : input_.get();
  (void)!::write(fd, keys.data(), keys.size());
}

void AttachClient::closeInput() { input_.reset(); }

void AttachClient::resize(unsigned short rows, unsigned short cols) const {
  winsize ws{};
  ws.ws_row = rows;
  ws.ws_col = cols;
  ::ioctl(terminal_.get(), TIOCSWINSZ, &ws);
}

void AttachClient::readAvailable() {
  const int fd = terminal_.valid() ? terminal_.get() : output_fd_.get();
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) output_.append(buf, static_cast<size_t>(n));
}

bool AttachClient::waitForOutput(const std::string& text, std::chrono::milliseconds timeout) {
  return support::waitFor(
      [&] {
        readAvailable();
        return output_.find(text) != std::string::npos;
      },
      timeout);
}

int AttachClient::waitExit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int status = 0;
  const bool exited = support::waitFor(
      [&] {
        readAvailable();
        return ::waitpid(pid_, &status, WNOHANG) == pid_;
      },
      timeout);
  if (!exited) return -1;
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace podkeeper::e2e
