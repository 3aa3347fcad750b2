#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cgroup/process_signaller.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::runtime::cgroup::testing {

// A temporary directory standing in for a cgroup filesystem; removed on destruction.
class FixtureTree {
 public:
  const std::string& root() const { return dir_.path(); }
  std::string path(const std::string& rel) const { return dir_.file(rel); }
  // Creates the file and its parent directories.
  void write(const std::string& rel, const std::string& content) const;
  std::string read(const std::string& rel) const;
  void mkdirs(const std::string& rel) const;
  bool exists(const std::string& rel) const;

 private:
  support::TempDir dir_{"pk-cgroup-fixture"};
};

// One /proc/self/mountinfo line.
std::string mountLine(const std::string& mountPoint, const std::string& fsType,
                      const std::string& superOptions, const std::string& root = "/");

// Stands in for kill(2) and the waits: records the calls and lets a test play the kernel
// (e.g. drop a killed pid from a fixture cgroup.procs).
class FakeSignaller final : public ProcessSignaller {
 public:
  int kill(pid_t pid, int sig) override {
    kills.emplace_back(pid, sig);
    if (onKill) onKill(pid);
    return 0;
  }
  void pause(std::chrono::milliseconds) override {
    ++pauses;
    if (onPause) onPause();
  }

  std::vector<std::pair<pid_t, int>> kills;
  int pauses = 0;
  std::function<void(pid_t)> onKill;
  std::function<void()> onPause;
};

}  // namespace podkeeper::runtime::cgroup::testing
