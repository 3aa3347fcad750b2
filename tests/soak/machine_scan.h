#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

// The machine as the soak sees it from outside the agent: processes, their fds and memory,
// and the pod cgroups under the soak's cgroup root.
namespace podkeeper::soak {

struct ProcessFacts {
  long rssKiB = -1;
  int threads = -1;
  int fds = -1;
  bool found = false;
};
ProcessFacts processFacts(pid_t pid);

// Processes whose command line contains needle (this process excluded).
std::vector<pid_t> processesMentioning(const std::string& needle);
// Zombie children of parent.
std::vector<pid_t> zombieChildren(pid_t parent);
// The parent of pid (0 when it is gone).
pid_t parentOf(pid_t pid);

// A pod cgroup directory found under the root of one hierarchy.
struct PodCgroup {
  std::string hierarchy;  // /sys/fs/cgroup/memory
  std::string dir;        // full path of the pod<uid> directory
  std::string uid;
};
// Every pod<uid> directory under <hierarchy>/<root> (any QoS level), in every hierarchy.
std::vector<PodCgroup> podCgroups(const std::string& root);
// Every cgroup directory under <hierarchy>/<root> (the root itself excluded), in every
// hierarchy, deepest first.
std::vector<std::string> cgroupDirsUnder(const std::string& root);
// Processes in dir and below it.
std::vector<pid_t> pidsUnder(const std::string& dir);

}  // namespace podkeeper::soak
