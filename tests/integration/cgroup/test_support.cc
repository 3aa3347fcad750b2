#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace podkeeper::runtime::cgroup::testing {
namespace fs = std::filesystem;

std::string uniqueRoot(const std::string& suffix) {
  return "pk-test-cgroup-" + std::to_string(::getpid()) + "-" + suffix;
}

std::string readFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool dirExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void sweepCgroupRoot(const std::string& root) {
  std::error_code ec;
  for (const auto& mount : fs::directory_iterator("/sys/fs/cgroup", ec)) {
    const fs::path top = mount.path() / root;
    if (!dirExists(top)) continue;
    std::vector<fs::path> dirs{top};
    for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
      if (it->is_directory(ec)) dirs.push_back(it->path());
    }
    for (const fs::path& d : dirs) {
      std::istringstream procs(readFileOrEmpty(d / "cgroup.procs"));
      for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
    }
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
      for (int i = 0; i < 100 && ::rmdir(it->c_str()) != 0 && errno == EBUSY; ++i) {
        ::usleep(10000);
      }
    }
  }
}

namespace {

void burnCpu(int millis) {
  timespec start{}, now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &start);
  volatile uint64_t sink = 0;
  do {
    for (int i = 0; i < 100000; ++i) sink = sink + i;
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  } while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < millis);
}

}  // namespace

Child::Child(int burnMillis, bool forkForever) {
  int go[2], done[2];
  if (::pipe2(go, O_CLOEXEC) != 0 || ::pipe2(done, O_CLOEXEC) != 0) std::abort();
  pid_ = ::fork();
  if (pid_ == 0) {
    char c;
    if (::read(go[0], &c, 1) != 1) ::_exit(1);
    burnCpu(burnMillis);
    if (::write(done[1], "x", 1) != 1) ::_exit(1);
    while (forkForever) ::fork();
    for (;;) ::pause();
  }
  ::close(go[0]);
  ::close(done[1]);
  go_.reset(go[1]);
  done_.reset(done[0]);
}

Child::~Child() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    reap();
  }
}

void Child::releaseAndWaitBurnt() {
  char c = 'x';
  if (::write(go_.get(), &c, 1) != 1 || ::read(done_.get(), &c, 1) != 1) std::abort();
}

int Child::reap() {
  int status = 0;
  if (pid_ > 0 && ::waitpid(pid_, &status, 0) == pid_) pid_ = -1;
  return status;
}

std::vector<std::string> procCgroupLines(pid_t pid) {
  std::istringstream in(readFileOrEmpty("/proc/" + std::to_string(pid) + "/cgroup"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace podkeeper::runtime::cgroup::testing
