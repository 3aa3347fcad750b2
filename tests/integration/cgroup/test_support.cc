#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sstream>

#include "tests/support/text.h"

namespace podkeeper::runtime::cgroup::testing {

std::string uniqueRoot(const std::string& suffix) {
  return "pk-test-cgroup-" + std::to_string(::getpid()) + "-" + suffix;
}

std::string readFileOrEmpty(const std::string& path) { return support::readText(path); }

bool dirExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
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
