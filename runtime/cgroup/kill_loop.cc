#include "runtime/cgroup/kill_loop.h"

#include <signal.h>

#include <cerrno>

#include "runtime/cgroup/cgroup_tree.h"

namespace podkeeper::runtime::cgroup {
namespace {

Result<void> killEach(const std::vector<pid_t>& pids, ProcessSignaller& signaller) {
  for (pid_t pid : pids) {
    const int err = signaller.kill(pid, SIGKILL);
    if (err != 0 && err != ESRCH) return failSys(err, "kill " + std::to_string(pid));
  }
  return {};
}

Result<void> killRound(const std::vector<pid_t>& pids, const std::optional<TreeFreezer>& freezer,
                       ProcessSignaller& signaller) {
  if (!freezer) return killEach(pids, signaller);
  if (auto r = freezer->freeze(); !r) {
    (void)freezer->thaw();  // never leave the tree half frozen; the freeze error is reported
    return r;
  }
  auto killed = killEach(pids, signaller);
  auto thawed = freezer->thaw();
  return killed ? thawed : killed;
}

Error remaining(const std::string& dir, size_t n) {
  return Error::sys(EBUSY, "kill all in " + dir + ": " + std::to_string(n) +
                               " processes remain after " + std::to_string(kPollAttempts) +
                               " rounds");
}

}  // namespace

Result<void> killUntilEmpty(const std::string& dir, const std::optional<TreeFreezer>& freezer,
                            ProcessSignaller& signaller) {
  size_t left = 0;
  for (int round = 0; round < kPollAttempts; ++round) {
    auto pids = pidsInTree(dir, "cgroup.procs");
    if (!pids && pids.error().code == ENOENT) return {};
    if (!pids) return fail(pids.error());
    if (pids->empty()) return {};
    left = pids->size();
    if (auto r = killRound(*pids, freezer, signaller); !r) return r;
    signaller.pause(kPollInterval);
  }
  return fail(remaining(dir, left));
}

Result<void> waitUntilEmpty(const std::string& dir, ProcessSignaller& signaller) {
  size_t left = 0;
  for (int round = 0; round < kPollAttempts; ++round) {
    auto pids = pidsInTree(dir, "cgroup.procs");
    if (!pids && pids.error().code == ENOENT) return {};
    if (!pids) return fail(pids.error());
    if (pids->empty()) return {};
    left = pids->size();
    signaller.pause(kPollInterval);
  }
  return fail(remaining(dir, left));
}

}  // namespace podkeeper::runtime::cgroup
