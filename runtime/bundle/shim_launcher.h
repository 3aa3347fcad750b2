#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "common/unique_fd.h"
#include "runtime/bundle/shim_protocol.h"
#include "runtime/sys/sealed_binary.h"

namespace podkeeper::runtime {

struct ShimStarted {
  pid_t shimPid = 0;
  pid_t containerPid = 0;
  std::string timeline;  // the shim's own stages ("shim.name=ms ..."), for the start's debug line
};

// Runs `podkeeper-shim --bundle <bundle>` from the sealed copy with a sync pipe on fd 3, the
// bundle's lock on fd 4 and nothing else open, waits for its report, and reaps the
// intermediate process (the shim itself lives on outside the agent's tree). On timeout the
// shim is killed. shimPid is set as soon as it is known, so a caller can clean up after a
// failure.
Result<ShimStarted> launchShim(const SealedBinary& shim, const std::string& bundle,
                               std::chrono::milliseconds timeout, pid_t& shimPid);

// The same for `podkeeper-shim --pid-reaper <nsDir>`; containerPid is the pid namespace's init.
Result<ShimStarted> launchPidReaper(const SealedBinary& shim, const std::string& nsDir,
                                    std::chrono::milliseconds timeout, pid_t& reaperPid);

// Shims started ahead of need (`podkeeper-shim --standby`): exec'd, daemonized into the
// shims' cgroup and waiting on a socket, so a start hands one the bundle (and the bundle's
// locked shim.lock, by SCM_RIGHTS) instead of spawning a shim: the exec of the shim and its
// daemonizing, a fifth of a start, are off the start's path. Up to `capacity` wait (a pod's
// containers start one after another); a start that finds none waiting and none being started
// spawns as before (launchShim). A thread of this object's own starts them when asked
// (refill, after each start and when a sandbox is made), at the process's base priority.
// The waiting shims are this object's: each exits when its socket closes (destruction, or
// the agent's death), and the destructor waits for that (their cgroup empties with it).
class ShimStandby {
 public:
  struct Config {
    StandbyConfig shim;  // what the waiting shims are started with
    size_t capacity = 2;
    // The longest bundle path a start may hand over: the waiting shim's arguments are padded
    // to hold `--bundle <path>`, its command line once it has a container.
    size_t bundleRoom = 256;
    std::chrono::milliseconds timeout{10000};  // for a shim's reports
  };
  ShimStandby(const SealedBinary& shim, Config config);
  ~ShimStandby();
  ShimStandby(const ShimStandby&) = delete;
  ShimStandby& operator=(const ShimStandby&) = delete;

  // Hands bundle to a waiting shim (or waits for the one being started, unless another start
  // already does); nullopt when there is none, or it is gone (then the caller launches one).
  // Otherwise as launchShim: shimPid is set as soon as it is known.
  std::optional<Result<ShimStarted>> handOver(const std::string& bundle, pid_t& shimPid);
  // Asks the thread to start shims until `capacity` wait. Never blocks.
  void refill();
  // The pids of the shims waiting now.
  std::vector<pid_t> waiting() const;

 private:
  struct Waiting {
    UniqueFd socket;  // the agent's end
    UniqueFd pidfd;
    pid_t pid = 0;
  };
  void run();
  std::optional<Waiting> startOne() const;

  const SealedBinary& shim_;
  const Config config_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Waiting> waiting_;
  bool wanted_ = false;
  bool starting_ = false;
  bool claimed_ = false;  // a start waits for the one being started
  bool stopping_ = false;
  std::thread thread_;  // started at the first refill
};

// Whether a shim for this bundle is alive (it holds <bundle>/shim.lock; see kShimLockFd),
// including one that has not yet written state.json.
bool shimHoldsBundle(const std::string& bundle);

}  // namespace podkeeper::runtime
