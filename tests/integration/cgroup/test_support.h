#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace podkeeper::runtime::cgroup::testing {

// "pk-test-cgroup-<pid>-<suffix>": unique per test process, so parallel runs never collide.
// Fixtures hold it in a support::CgroupRootGuard, which removes it after each test without
// using the driver under test.
std::string uniqueRoot(const std::string& suffix);

// Owns a forked child: it waits on a pipe until released, optionally burns CPU, reports
// that it did, then pause()s until killed, or, with forkForever, forks without end (every
// descendant too: a fork bomb, to be bounded by the test with pids.max). The destructor
// SIGKILLs and reaps it.
class Child {
 public:
  explicit Child(int burnMillis = 0, bool forkForever = false);
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Lets the child run (after the test placed it in its cgroup) and waits until it burnt.
  void releaseAndWaitBurnt();
  // Reaps the child; returns the waitpid status.
  int reap();

 private:
  pid_t pid_ = -1;
  UniqueFd go_;    // parent writes: child may run
  UniqueFd done_;  // parent reads: child finished burning
};

// Lines of /proc/<pid>/cgroup.
std::vector<std::string> procCgroupLines(pid_t pid);
std::string readFileOrEmpty(const std::string& path);
bool dirExists(const std::string& path);

}  // namespace podkeeper::runtime::cgroup::testing
