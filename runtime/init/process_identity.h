#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "common/error.h"
#include "runtime/bundle/shim_config.h"
#include "runtime/init/apparmor_exec.h"

namespace podkeeper::runtime {

// Who a container's processes run as: user, groups, capabilities, no_new_privs and the
// seccomp filter. The same for the init and for anything exec'd into the container later.
struct ProcessIdentity {
  uint64_t capabilityMask = 0;
  bool noNewPrivileges = true;
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  std::vector<gid_t> groups;  // the full setgroups list (gid first); empty = unchanged
  std::vector<sock_filter> seccompProgram;   // empty = no filter
  std::optional<AppArmorExecPlan> appArmor;  // the profile for the exec; nullopt = none
};

Result<ProcessIdentity> identityFor(const ShimConfig& config);

// The last step before exec: the AppArmor profile for the exec (first, as runc does: once the
// process is a non-root user its /proc/self/attr files are no longer its own), bounding set, user
// and groups (keeping the capabilities across setuid so the final set is exactly the configured
// one; a non-root user still loses them at exec, as with runc), permitted/effective, ambient
// cleared, no_new_privs, and the seccomp filter as runc orders it: with no_new_privs the filter
// comes last, so it sees as few of the runtime's own calls as possible; without, it is loaded
// first, while the process still holds CAP_SYS_ADMIN (which loading a filter then needs). Only
// execve may follow. Allocates nothing on success, so it may run in a child forked from a threaded
// process.
Result<void> assumeIdentity(const ProcessIdentity& id);

}  // namespace podkeeper::runtime
