#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "tests/support/cgroup_tree.h"

// Looks at the machine from outside the agent: processes, namespaces, mounts and cgroups.
namespace podkeeper::e2e {

using support::cgroupHierarchies;
using support::killCgroupTree;
using support::pidsIn;
using support::removeCgroupTree;

// Whether any hierarchy still has <root>/<relative>.
bool cgroupExistsAnywhere(const std::string& root, const std::string& relative);
// umount2(MNT_DETACH) of every mount at or under prefix, deepest first.
void unmountUnder(const std::string& prefix);
// Mount points at or under prefix, from /proc/self/mountinfo.
std::vector<std::string> mountsUnder(const std::string& prefix);
// The inode of /proc/<pid>/ns/<ns>, "" when unreadable.
std::string nsId(pid_t pid, const std::string& ns);
bool alive(pid_t pid);

}  // namespace podkeeper::e2e
