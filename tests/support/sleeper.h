#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>

#include "runtime/sys/proc.h"

namespace podkeeper::support {

// A child process that sleeps until killed (a stand-in for a container's init or shim), with
// its start time as /proc reports it; killed and reaped by the destructor if the test did not.
struct Sleeper {
  Sleeper() {
    pid = ::fork();
    if (pid == 0) {
      ::pause();
      ::_exit(0);
    }
    if (pid > 0) start = runtime::readProcStartTime(pid).value_or(0);
  }
  ~Sleeper() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  Sleeper(const Sleeper&) = delete;
  Sleeper& operator=(const Sleeper&) = delete;
  void killOnly() {  // a zombie until reaped
    ::kill(pid, SIGKILL);
    siginfo_t info{};
    ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT);
  }
  void reap() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }
  pid_t pid = -1;
  uint64_t start = 0;
};

}  // namespace podkeeper::support
