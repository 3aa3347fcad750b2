#pragma once

#include <poll.h>

#include <array>
#include <string>
#include <string_view>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/bundle/attach_protocol.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/logs/cri_log.h"
#include "runtime/shim/diagnostics.h"

// Attach: the container's stdin and terminal, owned by the shim so they outlive the agent,
// and the attach socket through which the agent relays `podkeeper attach`. Plain syscalls,
// poll, fixed buffers: the shim stays small.
namespace podkeeper::runtime::shim {

// What the container's stdin is made of, before the init is cloned.
struct ContainerStdin {
  UniqueFd child;      // the init's stdin (the pty slave with tty: also its stdout and stderr)
  UniqueFd shimInput;  // the shim's end for input: the pipe's write end, or the pty master
  UniqueFd ptyMaster;  // tty only: the shim reads the container's output here
};

// tty: a pty (master here, slave for the container); stdin: a pipe; neither: nothing
// (the init gets /dev/null).
Result<ContainerStdin> openContainerStdin(const ShimConfig& config);

// The listening socket <container dir>/attach and its clients. The relay polls what
// pollFds() lists and calls handle() with the results; output() copies the container's
// output to every client.
class AttachServer {
 public:
  static constexpr size_t kMaxClients = 8;
  static constexpr size_t kMaxPollFds = kMaxClients + 2;  // + the listener + stdin

  AttachServer(const Diagnostics& diag) : diag_(diag) {}
  ~AttachServer();
  AttachServer(const AttachServer&) = delete;
  AttachServer& operator=(const AttachServer&) = delete;

  // Binds and listens on `socketPath` (mode 0600, replacing a stale one); `input` is the
  // shim's end of the container's stdin (invalid: attach is output only).
  Result<void> open(const std::string& socketPath, UniqueFd input, bool tty, bool stdinOnce);

  // Fills fds (at most kMaxPollFds) and returns how many were used.
  size_t pollFds(pollfd* fds) const;
  void handle(const pollfd* fds, size_t n);
  void output(LogStream stream, std::string_view bytes);

 private:
  void accept();
  void receive(size_t client);
  void apply(const AttachFrame& frame);
  void writeInput();
  void drop(size_t client);
  void closeStdin(const char* why);

  const Diagnostics& diag_;
  std::string path_;
  UniqueFd listener_;
  UniqueFd input_;
  bool tty_ = false;
  bool stdinOnce_ = false;
  std::array<UniqueFd, kMaxClients> clients_{};
  // Input the container has not taken yet (a full pipe): clients are not read meanwhile.
  std::array<char, kAttachMaxPayload> pending_{};
  size_t pendingStart_ = 0, pendingEnd_ = 0;
};

}  // namespace podkeeper::runtime::shim
