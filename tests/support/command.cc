#include "tests/support/command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

namespace podkeeper::support {

CommandResult runShell(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.output.append(buf, n);
  const int status = ::pclose(p);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

pid_t spawnLogged(std::vector<std::string> argv, const std::string& logPath, LogMode mode) {
  const int flags = O_WRONLY | O_CREAT | (mode == LogMode::Append ? O_APPEND : O_TRUNC);
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(logPath.c_str(), flags, 0644);
  ::dup2(fd, 1);
  ::dup2(fd, 2);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

}  // namespace podkeeper::support
