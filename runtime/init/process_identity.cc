#include "runtime/init/process_identity.h"

#include <grp.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/seccomp/seccomp_filter.h"
#include "runtime/sys/capabilities.h"

namespace podkeeper::runtime {
namespace {

Result<void> switchUser(const ProcessIdentity& id) {
  if (!id.uid && !id.gid && id.groups.empty()) return {};
  const gid_t gid = id.gid.value_or(0);
  const uid_t uid = id.uid.value_or(0);
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) return failSys(errno, "keep capabilities");
  if (!id.groups.empty() && ::setgroups(id.groups.size(), id.groups.data()) != 0) {
    return failSys(errno, "setgroups");
  }
  if (::setresgid(gid, gid, gid) != 0) return failSys(errno, "runAsGroup " + std::to_string(gid));
  if (::setresuid(uid, uid, uid) != 0) return failSys(errno, "runAsUser " + std::to_string(uid));
  return {};
}

}  // namespace

Result<ProcessIdentity> identityFor(const ShimConfig& config) {
  auto mask = capabilityMask(config.capabilities);
  if (!mask) return fail(mask.error());
  ProcessIdentity id;
  id.capabilityMask = *mask;
  id.noNewPrivileges = config.noNewPrivileges;
  if (config.runAsUser) id.uid = static_cast<uid_t>(*config.runAsUser);
  if (config.runAsGroup) id.gid = static_cast<gid_t>(*config.runAsGroup);
  if (!config.seccompProgram.empty()) {
    auto program = readSeccompProgram(config.seccompProgram);
    if (!program) return fail(program.error());
    id.seccompProgram = std::move(*program);
  }
  if (!config.appArmorProfile.empty()) id.appArmor = appArmorExecPlan(config.appArmorProfile);
  // In the pod's user namespace the init arrives as the host's root, an id the namespace
  // does not map: it always takes its user (root, unless said otherwise) and groups.
  const bool userNamespace = std::find(config.namespaces.begin(), config.namespaces.end(),
                                       "user") != config.namespaces.end();
  if (userNamespace) {
    id.uid = id.uid.value_or(0);
    id.gid = id.gid.value_or(0);
  }
  if (id.uid || id.gid || !config.supplementalGroups.empty()) {
    id.groups.push_back(id.gid.value_or(0));
    for (auto g : config.supplementalGroups) id.groups.push_back(static_cast<gid_t>(g));
  }
  return id;
}

Result<void> assumeIdentity(const ProcessIdentity& id) {
  if (id.appArmor) {
    if (auto r = applyAppArmorExecPlan(*id.appArmor); !r) return r;
  }
  const bool filter = !id.seccompProgram.empty();
  if (filter && !id.noNewPrivileges) {
    if (auto r = loadSeccompProgram(id.seccompProgram); !r) return r;
  }
  if (auto r = dropBoundingSet(id.capabilityMask); !r) return r;
  if (auto r = switchUser(id); !r) return r;
  if (auto r = setProcessCapabilities(id.capabilityMask); !r) return r;
  if (id.noNewPrivileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return failSys(errno, "set no_new_privs");
  }
  if (filter && id.noNewPrivileges) return loadSeccompProgram(id.seccompProgram);
  return {};
}

}  // namespace podkeeper::runtime
