#include "runtime/exit_status.h"

#include <signal.h>

namespace podkeeper::runtime {

ExitRecord exitRecordFromWait(int siCode, int siStatus, bool oomKilled, int64_t startedAtNs,
                              int64_t finishedAtNs) {
  ExitRecord r;
  if (siCode == CLD_EXITED) {
    r.exitCode = siStatus;
  } else {
    r.signal = siStatus;
    r.exitCode = 128 + siStatus;
  }
  r.oomKilled = oomKilled;
  r.startedAtNs = startedAtNs;
  r.finishedAtNs = finishedAtNs;
  return r;
}

bool oomKilledBetween(std::optional<uint64_t> before, std::optional<uint64_t> after) {
  return after.has_value() && *after > before.value_or(0);
}

}  // namespace podkeeper::runtime
