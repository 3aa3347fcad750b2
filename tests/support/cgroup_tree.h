#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

// A test's own cgroup root, looked at and cleaned up from outside the driver under test:
// plain reads of cgroup.procs, kill(2) and rmdir(2) in every mounted hierarchy.
namespace podkeeper::support {

// Every cgroup hierarchy mounted under /sys/fs/cgroup (v1 controllers and unified).
std::vector<std::string> cgroupHierarchies();
// Processes in one cgroup directory (cgroup.procs), not recursive.
std::vector<pid_t> pidsIn(const std::string& cgroupDir);
// SIGKILLs every process under <hierarchy>/<root> in every hierarchy, again and again
// (a forking process adds more) until none is left or about a second passed.
void killCgroupTree(const std::string& root);
// rmdir of one cgroup directory. The kernel empties a cgroup shortly after its last process
// got SIGKILL and rmdir says EBUSY until then, so that is retried for about a second.
// Returns whether the directory is gone.
bool removeCgroupDir(const std::string& dir);
// removeCgroupDir of <hierarchy>/<root> and everything below it, deepest first, in every
// hierarchy.
void removeCgroupTree(const std::string& root);

// Owns a cgroup root name for one test: on destruction every process under it is killed and
// the root is removed from every hierarchy, also when the test failed half-way.
class CgroupRootGuard {
 public:
  explicit CgroupRootGuard(std::string root) : root_(std::move(root)) {}
  ~CgroupRootGuard();
  CgroupRootGuard(const CgroupRootGuard&) = delete;
  CgroupRootGuard& operator=(const CgroupRootGuard&) = delete;

  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

}  // namespace podkeeper::support
