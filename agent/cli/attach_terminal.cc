#include "agent/cli/attach_terminal.h"

#include <unistd.h>

namespace podkeeper::cli {
namespace {
constexpr char kCtrlP = 0x10;
constexpr char kCtrlQ = 0x11;
}  // namespace

RawTerminal::RawTerminal(int fd) : fd_(fd) {
  termios t{};
  if (::isatty(fd) != 1 || ::tcgetattr(fd, &t) != 0) return;
  saved_ = t;
  ::cfmakeraw(&t);
  ::tcsetattr(fd, TCSANOW, &t);
}

RawTerminal::~RawTerminal() {
  if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
}

DetachKeys::Result DetachKeys::feed(std::string_view typed) {
  Result r;
  for (const char c : typed) {
    if (heldCtrlP_) {
      heldCtrlP_ = false;
      if (c == kCtrlQ) {
        r.detach = true;
        return r;
      }
      r.forward += kCtrlP;
    }
    if (c == kCtrlP) {
      heldCtrlP_ = true;
      continue;
    }
    r.forward += c;
  }
  return r;
}

}  // namespace podkeeper::cli
