#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "common/unique_fd.h"

// `podkeeper attach` run as a user would: on a terminal of its own (a pty this object owns,
// the CLI's controlling terminal), or with plain pipes for stdin and stdout.
namespace podkeeper::e2e {

class AttachClient {
 public:
  enum class Stdio { Terminal, Pipes };
  AttachClient(std::vector<std::string> argv, Stdio stdio, unsigned short rows = 30,
               unsigned short cols = 100);
  ~AttachClient();  // kills the CLI if it still runs
  AttachClient(const AttachClient&) = delete;
  AttachClient& operator=(const AttachClient&) = delete;

  void type(const std::string& keys) const;
  void closeInput();
  // Sets the terminal's size; the kernel sends the CLI SIGWINCH.
  void resize(unsigned short rows, unsigned short cols) const;
  // Everything read so far (output and, on a terminal, its echo), read until `text` shows.
  bool waitForOutput(const std::string& text, std::chrono::milliseconds timeout);
  const std::string& output() const { return output_; }
  // The CLI's exit code once it exited within timeout; -1 otherwise.
  int waitExit(std::chrono::milliseconds timeout);

 private:
  void readAvailable();

  pid_t pid_ = -1;
  UniqueFd input_, output_fd_, terminal_;
  std::string output_;
};

}  // namespace podkeeper::e2e
