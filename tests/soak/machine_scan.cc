#include "tests/soak/machine_scan.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/cgroup_tree.h"
#include "tests/support/text.h"

namespace podkeeper::soak {
namespace {

namespace fs = std::filesystem;

std::vector<pid_t> allPids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string n = e.path().filename().string();
    if (!n.empty() && std::all_of(n.begin(), n.end(), ::isdigit)) out.push_back(std::stoi(n));
  }
  return out;
}

}  // namespace

ProcessFacts processFacts(pid_t pid) {
  ProcessFacts f;
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  for (std::string line; std::getline(status, line);) {
    f.found = true;
    if (line.rfind("VmRSS:", 0) == 0) f.rssKiB = std::stol(line.substr(6));
    if (line.rfind("Threads:", 0) == 0) f.threads = std::stoi(line.substr(8));
  }
  if (!f.found) return f;
  std::error_code ec;
  int n = 0;
  for (auto it = fs::directory_iterator(base + "/fd", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    ++n;
  if (!ec) f.fds = n;
  return f;
}

std::vector<pid_t> processesMentioning(const std::string& needle) {
  std::vector<pid_t> out;
  for (pid_t p : allPids()) {
    if (p == ::getpid()) continue;
    std::string cmd = support::readText("/proc/" + std::to_string(p) + "/cmdline");
    std::replace(cmd.begin(), cmd.end(), '\0', ' ');
    if (cmd.find(needle) != std::string::npos) out.push_back(p);
  }
  return out;
}

namespace {

// The state and parent fields of /proc/<pid>/stat; false when pid is gone.
bool stateAndParent(pid_t pid, char& state, pid_t& ppid) {
  const std::string stat = support::readText("/proc/" + std::to_string(pid) + "/stat");
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(stat.substr(close + 2));
  return static_cast<bool>(rest >> state >> ppid);
}

}  // namespace

std::vector<pid_t> zombieChildren(pid_t parent) {
  std::vector<pid_t> out;
  for (pid_t p : allPids()) {
    char state = 0;
    pid_t ppid = 0;
    if (stateAndParent(p, state, ppid) && state == 'Z' && ppid == parent) out.push_back(p);
  }
  return out;
}

pid_t parentOf(pid_t pid) {
  char state = 0;
  pid_t ppid = 0;
  return stateAndParent(pid, state, ppid) ? ppid : 0;
}

std::vector<PodCgroup> podCgroups(const std::string& root) {
  std::vector<PodCgroup> out;
  for (const auto& h : support::cgroupHierarchies()) {
    std::error_code ec;
    const fs::path top = fs::path(h) / root;
    for (auto it = fs::recursive_directory_iterator(top, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_directory()) continue;
      const std::string name = it->path().filename().string();
      if (name.rfind("pod", 0) == 0) {
        out.push_back({h, it->path().string(), name.substr(3)});
        it.disable_recursion_pending();
      }
    }
  }
  return out;
}

std::vector<std::string> cgroupDirsUnder(const std::string& root) {
  std::vector<std::string> out;
  for (const auto& h : support::cgroupHierarchies()) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(fs::path(h) / root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
      if (it->is_directory()) out.push_back(it->path().string());
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.size() > b.size(); });
  return out;
}

std::vector<pid_t> pidsUnder(const std::string& dir) {
  std::vector<pid_t> out = support::pidsIn(dir);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_directory()) continue;
    auto more = support::pidsIn(it->path().string());
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

}  // namespace podkeeper::soak
