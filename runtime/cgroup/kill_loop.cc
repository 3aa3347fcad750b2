#include "runtime/cgroup/kill_loop.h"

#include <signal.h>

#include <cerrno>
#include <functional>
#include <vector>

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

// Polls dir's tree, bounded to kPollAttempts rounds, calling onRound with the pids left and
// pausing after it, until the tree is empty or gone. Fails with EBUSY naming what remains.
Result<void> pollUntilEmpty(const std::string& dir, ProcessSignaller& signaller,
                            const std::function<Result<void>(const std::vector<pid_t>&)>& onRound) {
  size_t left = 0;
  for (int round = 0; round < kPollAttempts; ++round) {
    auto pids = pidsInTree(dir, "cgroup.procs");
    if (!pids && pids.error().code == ENOENT) return {};
    if (!pids) return fail(pids.error());
    if (pids->empty()) return {};
    left = pids->size();
    if (auto r = onRound(*pids); !r) return r;
    signaller.pause(kPollInterval);
  }
  return failSys(EBUSY, "kill all in " + dir + ": " + std::to_string(left) +
                            " processes remain after " + std::to_string(kPollAttempts) + " rounds");
}

}  // namespace

Result<void> killUntilEmpty(const std::string& dir, const std::optional<TreeFreezer>& freezer,
                            ProcessSignaller& signaller) {
  const TreeFreezer* freezing = freezer ? &*freezer : nullptr;
  return pollUntilEmpty(dir, signaller, [&](const std::vector<pid_t>& pids) -> Result<void> {
    auto frozen = killRound(pids, freezing, signaller);
    if (!frozen) return fail(frozen.error());
    if (!*frozen) freezing = nullptr;  // do not wait on a freeze that cannot complete again
    return {};
  });
}

Result<void> waitUntilEmpty(const std::string& dir, ProcessSignaller& signaller) {
  return pollUntilEmpty(dir, signaller,
                        [](const std::vector<pid_t>&) -> Result<void> { return {}; });
}

}  // namespace podkeeper::runtime::cgroup
