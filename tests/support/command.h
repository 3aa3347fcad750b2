#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace podkeeper::support {

struct CommandResult {
  int exitCode = -1;  // -1: could not run, or killed by a signal
  std::string output;
};

// Runs a shell command line (popen) and collects its stdout; append "2>&1" to the command
// for stderr too.
CommandResult runShell(const std::string& command);

// Forks and execs argv[0] (a path; no shell) with argv, its stdout and stderr going to
// logPath, appended to or truncated first. Returns the child's pid (-1 when fork failed);
// the caller reaps it.
enum class LogMode { Append, Truncate };
pid_t spawnLogged(std::vector<std::string> argv, const std::string& logPath, LogMode mode);

}  // namespace podkeeper::support
