#include "runtime/bundle/state_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {

Result<void> checkPathComponent(const std::string& what, const std::string& value) {
  if (value.empty() || value == "." || value == ".." || value.find('/') != std::string::npos ||
      value.find('\0') != std::string::npos) {
    return failMsg(what + " \"" + value + "\" is not a valid path component");
  }
  return {};
}

Result<void> checkCgroupPath(const std::string& what, const std::string& path) {
  const auto bad = [&] { return failMsg(what + " \"" + path + "\" is not a usable cgroup path"); };
  if (path.empty() || path.front() == '/' || path.back() == '/') return bad();
  size_t start = 0;
  while (start <= path.size()) {
    const auto slash = path.find('/', start);
    const std::string part = path.substr(start, slash == std::string::npos ? slash : slash - start);
    if (part.empty() || part == "." || part == "..") return bad();
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return {};
}

Result<std::vector<std::string>> listSubdirs(const std::string& dir) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) {
    if (errno == ENOENT) return std::vector<std::string>{};
    return failSys(errno, "opendir " + dir);
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    // The entry's type as readdir reports it (every local filesystem does); stat only when
    // it does not say, or for a symlink (followed, as before).
    if (e->d_type == DT_DIR) {
      names.push_back(name);
      continue;
    }
    if (e->d_type != DT_UNKNOWN && e->d_type != DT_LNK) continue;
    struct stat st {};
    if (::stat((dir + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<void> makePrivateDir(const std::string& path) {
  if (auto r = makeDirs(path, 0700); !r) return r;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) return failSys(errno, "open directory " + path);
  if (::fchmod(fd.get(), 0700) != 0) return failSys(errno, "chmod 0700 " + path);
  return {};
}

namespace {

// The processes with the lock file open, found through /proc/PID/fd (the pid the file names
// may not be the holder: a child that inherited the descriptor holds the lock as well).
std::vector<pid_t> processesWithOpen(const std::string& file) {
  std::vector<pid_t> out;
  struct stat target {};
  if (::stat(file.c_str(), &target) != 0) return out;
  std::unique_ptr<DIR, int (*)(DIR*)> proc(::opendir("/proc"), &::closedir);
  if (!proc) return out;
  while (dirent* e = ::readdir(proc.get())) {
    pid_t pid = 0;
    const std::string_view name(e->d_name);
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc() ||
        pid == ::getpid())
      continue;
    const std::string fdDir = "/proc/" + std::string(name) + "/fd";
    std::unique_ptr<DIR, int (*)(DIR*)> fds(::opendir(fdDir.c_str()), &::closedir);
    if (!fds) continue;
    while (dirent* f = ::readdir(fds.get())) {
      struct stat st {};
      if (f->d_name[0] == '.' || ::fstatat(::dirfd(fds.get()), f->d_name, &st, 0) != 0) continue;
      if (st.st_dev == target.st_dev && st.st_ino == target.st_ino) {
        out.push_back(pid);
        break;
      }
    }
  }
  return out;
}

constexpr int kLockAttempts = 50;
constexpr std::chrono::milliseconds kLockRetry{20};

std::string commOf(pid_t pid) {
  auto comm = readWholeFile("/proc/" + std::to_string(pid) + "/comm");
  if (!comm) return "";
  while (!comm->empty() && comm->back() == '\n') comm->pop_back();
  return *comm;
}

}  // namespace

Result<StateDirLock> StateDirLock::acquire(const std::string& lockFile) {
  UniqueFd fd(::open(lockFile.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return failSys(errno, "open " + lockFile);
  // A killed agent's child cloned a moment before (not yet at the point where it closes what
  // it inherited) can hold the lock for a few milliseconds after the agent is gone. While no
  // other process has the file open and the pid it names is gone, the lock is being let go:
  // it is asked for again, for up to 1 s.
  for (int attempt = 0; ::flock(fd.get(), LOCK_EX | LOCK_NB) != 0; ++attempt) {
    if (errno != EWOULDBLOCK) return failSys(errno, "lock " + lockFile);
    char buf[32] = {};
    const ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
    long pid = 0;
    if (n > 0) std::from_chars(buf, buf + n, pid);
    const auto open = processesWithOpen(lockFile);
    const bool named = pid > 0 && (::kill(pid_t(pid), 0) == 0 || errno != ESRCH);
    if (open.empty() && !named && attempt < kLockAttempts) {
      std::this_thread::sleep_for(kLockRetry);
      continue;
    }
    // Who holds it: the pid the file names when it has the file open, else whoever has.
    std::string holder = pid > 0 ? std::to_string(pid) : std::string("unknown");
    if (!open.empty() && std::find(open.begin(), open.end(), pid_t(pid)) == open.end())
      holder = std::to_string(open.front()) + " " + commOf(open.front()) + ", not pid " +
               (pid > 0 ? std::to_string(pid) : std::string("unknown")) + " the file names";
    const auto slash = lockFile.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : lockFile.substr(0, slash);
    return failMsg("state directory " + dir + " is in use by another podkeeper (pid " + holder +
                   ", holding " + lockFile + "); stop it or give this one another --state-dir");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd.get(), 0) != 0 ||
      ::pwrite(fd.get(), pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    return failSys(errno, "write pid to " + lockFile);
  }
  return StateDirLock(std::move(fd));
}

}  // namespace podkeeper::runtime
