#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

// Runs a program to completion as a child of the agent: input on its stdin, stdout and stderr
// captured, killed (with its whole process group) when it outlives the timeout. Blocks the
// caller: call it from background work (common/background_work.h), never on the loop thread.
namespace podkeeper::runtime {

struct CommandSpec {
  std::string path = {};               // the program, absolute
  std::vector<std::string> argv = {};  // argv[0] included; empty = {path}
  std::vector<std::string> env = {};   // "K=V": the whole environment of the child
  std::string input = {};              // written to its stdin, then stdin is closed
  std::chrono::milliseconds timeout{10000};
  size_t maxOutput = 1 << 20;  // bytes kept of stdout and of stderr each; the rest is dropped
};

struct CommandResult {
  int exitCode = 0;  // 128+signal when killed by a signal
  bool timedOut = false;
  std::string out, err;
};

// Fails only when the program could not be started (not found, not executable); a program
// that ran and failed is a CommandResult with its exit code.
Result<CommandResult> runCommand(const CommandSpec& spec);

}  // namespace podkeeper::runtime
