#include "support.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "tests/support/text.h"

namespace podkeeper::metrics::testing {

WorkloadChild::WorkloadChild(Kind kind, size_t allocBytes) {
  int go[2], ready[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(ready, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    char c;
    ::close(go[1]);
    ::close(ready[0]);
    if (::read(go[0], &c, 1) != 1) ::_exit(1);
    if (kind == Kind::HoldMemory) {
      auto* p = static_cast<volatile char*>(std::malloc(allocBytes));
      for (size_t i = 0; i < allocBytes; i += 4096) p[i] = 1;
      (void)!::write(ready[1], "r", 1);
      for (;;) ::pause();
    }
    (void)!::write(ready[1], "r", 1);
    volatile unsigned long spin = 0;
    for (;;) spin = spin + 1;
  }
  ::close(go[0]);
  ::close(ready[1]);
  go_.reset(go[1]);
  ready_.reset(ready[0]);
}

WorkloadChild::~WorkloadChild() { kill(); }

void WorkloadChild::release() {
  char c = 'g';
  if (::write(go_.get(), &c, 1) != 1) throw std::runtime_error("release: write failed");
  if (::read(ready_.get(), &c, 1) != 1) throw std::runtime_error("release: child died");
}

void WorkloadChild::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::optional<double> sampleValue(std::string_view text, std::string_view seriesPrefix) {
  for (std::string_view line : support::splitLines(text)) {
    if (!line.starts_with(seriesPrefix)) continue;
    size_t close = line.rfind('}');
    size_t space = line.find(' ', close == std::string_view::npos ? 0 : close);
    if (space == std::string_view::npos) return std::nullopt;
    return std::strtod(std::string(line.substr(space + 1)).c_str(), nullptr);
  }
  return std::nullopt;
}

uint16_t freeLoopbackPort() {
  UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    throw std::runtime_error("freeLoopbackPort: bind failed");
  }
  return ntohs(a.sin_port);
}

}  // namespace podkeeper::metrics::testing
