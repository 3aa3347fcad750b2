#include "tests/e2e/agent/machine_probe.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace podkeeper::e2e {
namespace {
namespace fs = std::filesystem;

// <hierarchy>/<root> and every cgroup below it, in every hierarchy where it exists.
std::vector<fs::path> treeDirs(const std::string& root) {
  std::vector<fs::path> dirs;
  for (const auto& h : cgroupHierarchies()) {
    std::error_code ec;
    fs::path top = fs::path(h) / root;
    if (!fs::exists(top, ec)) continue;
    dirs.push_back(top);
    for (const auto& e : fs::recursive_directory_iterator(top, ec))
      if (e.is_directory(ec)) dirs.push_back(e.path());
  }
  return dirs;
}

}  // namespace

std::vector<pid_t> pidsIn(const std::string& cgroupDir) {
  std::vector<pid_t> pids;
  std::ifstream in(cgroupDir + "/cgroup.procs");
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}

std::vector<std::string> cgroupHierarchies() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/sys/fs/cgroup", ec))
    if (fs::exists(e.path() / "cgroup.procs", ec)) out.push_back(e.path().string());
  if (fs::exists("/sys/fs/cgroup/cgroup.procs", ec)) out.push_back("/sys/fs/cgroup");
  return out;
}

void killCgroupTree(const std::string& root) {
  for (int round = 0; round < 50; ++round) {
    bool any = false;
    for (const auto& d : treeDirs(root))
      for (pid_t p : pidsIn(d.string())) {
        ::kill(p, SIGKILL);
        any = true;
      }
    if (!any) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void removeCgroupTree(const std::string& root) {
  for (const auto& h : cgroupHierarchies()) {
    std::error_code ec;
    fs::path top = fs::path(h) / root;
    if (!fs::exists(top, ec)) continue;
    std::vector<fs::path> dirs{top};
    for (const auto& e : fs::recursive_directory_iterator(top, ec))
      if (e.is_directory(ec)) dirs.push_back(e.path());
    std::sort(dirs.begin(), dirs.end(),
              [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
    for (const auto& d : dirs)
      for (int i = 0; i < 50 && ::rmdir(d.c_str()) != 0 && errno == EBUSY; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool cgroupExistsAnywhere(const std::string& root, const std::string& relative) {
  for (const auto& h : cgroupHierarchies())
    if (fs::exists(fs::path(h) / root / relative)) return true;
  return false;
}

std::vector<std::string> mountsUnder(const std::string& prefix) {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mountPoint;
    fields >> id >> parent >> dev >> root >> mountPoint;
    if (mountPoint == prefix || mountPoint.rfind(prefix + "/", 0) == 0) out.push_back(mountPoint);
  }
  return out;
}

void unmountUnder(const std::string& prefix) {
  for (int round = 0; round < 5; ++round) {
    auto mounts = mountsUnder(prefix);
    if (mounts.empty()) return;
    std::sort(mounts.begin(), mounts.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& m : mounts) ::umount2(m.c_str(), MNT_DETACH);
  }
}

std::string nsId(pid_t pid, const std::string& ns) {
  std::error_code ec;
  auto target = fs::read_symlink("/proc/" + std::to_string(pid) + "/ns/" + ns, ec);
  return ec ? "" : target.string();
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace podkeeper::e2e
