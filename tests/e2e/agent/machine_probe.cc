#include "tests/e2e/agent/machine_probe.h"

#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace podkeeper::e2e {
namespace fs = std::filesystem;

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
