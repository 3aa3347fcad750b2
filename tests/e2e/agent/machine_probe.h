#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

// Looks at the machine from outside the agent: processes, namespaces, mounts and cgroups.
namespace podkeeper::e2e {

// Processes in one cgroup directory (cgroup.procs), not recursive.
std::vector<pid_t> pidsIn(const std::string& cgroupDir);
// Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers and unified).
std::vector<std::string> cgroupHierarchies();
// SIGKILLs every process under <hierarchy>/<root> in every hierarchy.
void killCgroupTree(const std::string& root);
// rmdir bottom-up of <hierarchy>/<root> in every hierarchy.
void removeCgroupTree(const std::string& root);
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
