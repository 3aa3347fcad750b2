#include "tests/support/cgroup_tree.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "tests/support/wait_for.h"

namespace podkeeper::support {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// <hierarchy>/<root> and every cgroup below it, parents before children, in every hierarchy
// where it exists.
std::vector<fs::path> treeDirs(const std::string& root) {
  std::vector<fs::path> dirs;
  for (const auto& h : cgroupHierarchies()) {
    std::error_code ec;
    const fs::path top = fs::path(h) / root;
    if (!fs::is_directory(top, ec)) continue;
    dirs.push_back(top);
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_directory(ec)) dirs.push_back(it->path());
    }
  }
  return dirs;
}

}  // namespace

std::vector<std::string> cgroupHierarchies() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (fs::exists(e.path() / "cgroup.procs", ec)) out.push_back(e.path().string());
  if (fs::exists("/sys/fs/cgroup/cgroup.procs", ec)) out.push_back("/sys/fs/cgroup");
  return out;
}

std::vector<pid_t> pidsIn(const std::string& cgroupDir) {
  std::vector<pid_t> pids;
  std::ifstream in(cgroupDir + "/cgroup.procs");
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

void killCgroupTree(const std::string& root) {
  waitFor(
      [&] {
        bool any = false;
        for (const auto& d : treeDirs(root)) {
          for (pid_t p : pidsIn(d.string())) {
            ::kill(p, SIGKILL);
            any = true;
          }
        }
        return !any;
      },
      1s);
}

bool removeCgroupDir(const std::string& dir) {
  std::error_code ec;
  return waitFor([&] { return ::rmdir(dir.c_str()) == 0 || errno != EBUSY; }, 1s, 10ms) &&
         !fs::exists(dir, ec);
}

void removeCgroupTree(const std::string& root) {
  const std::vector<fs::path> dirs = treeDirs(root);
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) removeCgroupDir(it->string());
}

CgroupRootGuard::~CgroupRootGuard() {
  killCgroupTree(root_);
  removeCgroupTree(root_);
}

}  // namespace podkeeper::support
