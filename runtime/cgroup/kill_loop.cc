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

// SIGKILLs each pid, inside a freeze when a freezer is given. Freezing is best effort: a task
// stuck in the kernel can hold the tree in FREEZING, and it is killed anyway. Returns whether
// the freeze worked.
Result<bool> killRound(const std::vector<pid_t>& pids, const TreeFreezer* freezer,
                       ProcessSignaller& signaller) {
  const bool frozen = freezer && freezer->freeze().has_value();
  auto killed = killEach(pids, signaller);
  if (freezer) {
    // Always thaw, even after a failed freeze: frozen tasks only die once thawed.
    if (auto thawed = freezer->thaw(); !thawed) return fail(thawed.error());
  }
  if (!killed) return fail(killed.error());
  return frozen;
}

Error remaining(const std::string& dir, size_t n) {
  return Error::sys(EBUSY, "kill all in " + dir + ": " + std::to_string(n) +
                               " processes remain after " + std::to_string(kPollAttempts) +
                               " rounds");
}

}  // namespace

Result<void> killUntilEmpty(const std::string& dir, const std::optional<TreeFreezer>& freezer,
                            ProcessSignaller& signaller) {
  const TreeFreezer* freezing = freezer ? &*freezer : nullptr;
  size_t left = 0;
  for (int round = 0; round < kPollAttempts; ++round) {
    auto pids = pidsInTree(dir, "cgroup.procs");
    if (!pids && pids.error().code == ENOENT) return {};
    if (!pids) return fail(pids.error());
    if (pids->empty()) return {};
    left = pids->size();
    auto frozen = killRound(*pids, freezing, signaller);
    if (!frozen) return fail(frozen.error());
    if (!*frozen) freezing = nullptr;  // do not wait on a freeze that cannot complete again
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
