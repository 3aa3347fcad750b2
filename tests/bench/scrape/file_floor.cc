#include "file_floor.h"

#include <fcntl.h>
#include <unistd.h>

namespace podkeeper::bench {

FileFloor::FileFloor(std::string mountRoot, std::vector<std::string> rowCgroups,
                     std::vector<std::vector<std::string>> rowSubtrees) {
  const char* cpu[] = {"cpu.stat", "cpu.shares", "cpu.cfs_period_us", "cpu.cfs_quota_us"};
  const char* cpuacct[] = {"cpuacct.usage", "cpuacct.stat"};
  const char* memory[] = {"memory.usage_in_bytes", "memory.max_usage_in_bytes",
                          "memory.failcnt",        "memory.stat",
                          "memory.oom_control",    "memory.limit_in_bytes"};
  for (size_t i = 0; i < rowCgroups.size(); ++i) {
    const std::string& cg = rowCgroups[i];
    for (const std::string& sub : rowSubtrees[i]) {
      paths_.push_back(mountRoot + "/pids/" + sub + "/cgroup.procs");
      paths_.push_back(mountRoot + "/pids/" + sub + "/tasks");
    }
    for (const char* f : cpu) paths_.push_back(mountRoot + "/cpu/" + cg + "/" + f);
    for (const char* f : cpuacct) paths_.push_back(mountRoot + "/cpuacct/" + cg + "/" + f);
    for (const char* f : memory) paths_.push_back(mountRoot + "/memory/" + cg + "/" + f);
  }
}

size_t FileFloor::readAll(std::string& buf) const {
  size_t total = 0;
  buf.resize(16384);
  for (const std::string& p : paths_) {
    int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n > 0) total += static_cast<size_t>(n);
    ::close(fd);
  }
  return total;
}

OpenFileFloor::OpenFileFloor(const FileFloor& files) {
  for (const std::string& p : files.paths()) {
    UniqueFd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid()) fds_.push_back(std::move(fd));
  }
}

size_t OpenFileFloor::readAll(std::string& buf) const {
  size_t total = 0;
  buf.resize(16384);
  for (const UniqueFd& fd : fds_) {
    ssize_t n = ::pread(fd.get(), buf.data(), buf.size(), 0);
    if (n > 0) total += static_cast<size_t>(n);
  }
  return total;
}

}  // namespace podkeeper::bench
