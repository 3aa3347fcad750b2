#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>

namespace podkeeper::runtime::cgroup {

// The two OS calls the kill and remove loops make, behind an interface so unit tests on
// fixture trees neither signal real processes nor wait in real time.
class ProcessSignaller {
 public:
  virtual ~ProcessSignaller() = default;
  // kill(2): 0 on success, else the errno.
  virtual int kill(pid_t pid, int sig) = 0;
  // Gives the kernel time to make progress (tasks exit, cgroups drain) before polling again.
  virtual void pause(std::chrono::milliseconds d) = 0;
};

std::shared_ptr<ProcessSignaller> systemSignaller();

// Polling bounds: killAll waits up to about 2 s for a cgroup to empty; rmdir retries EBUSY
// for about 200 ms (tasks that just got SIGKILL leave their cgroups as they exit); a v1
// freeze gets about 200 ms to complete.
inline constexpr std::chrono::milliseconds kPollInterval{10};
inline constexpr int kPollAttempts = 200;
inline constexpr int kRmdirAttempts = 20;
inline constexpr int kFreezeAttempts = 20;  // FREEZING -> FROZEN, per kill round

}  // namespace podkeeper::runtime::cgroup
