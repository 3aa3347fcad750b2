#include "runtime/sys/run_command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "runtime/sys/syscalls.h"

namespace podkeeper::runtime {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> makePipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return failSys(errno, "pipe2");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<char*> cStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// posix_spawn with stdio on the pipes, everything else closed, in a process group of its own
// (so a timeout kills what it started too).
Result<pid_t> spawn(const CommandSpec& spec, int in, int out, int err) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawnattr_init(&attr);
  ::posix_spawn_file_actions_adddup2(&actions, in, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out, 1);
  ::posix_spawn_file_actions_adddup2(&actions, err, 2);
  ::posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  ::posix_spawnattr_setpgroup(&attr, 0);
  sigset_t none;
  sigemptyset(&none);
  ::posix_spawnattr_setsigmask(&attr, &none);
  sigset_t all;
  sigfillset(&all);
  ::posix_spawnattr_setsigdefault(&attr, &all);
  ::posix_spawnattr_setflags(
      &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<std::string> argvStrings = spec.argv.empty() ? std::vector{spec.path} : spec.argv;
  auto argv = cStrings(argvStrings);
  auto envp = cStrings(spec.env);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, spec.path.c_str(), &actions, &attr, argv.data(), envp.data());
  ::posix_spawn_file_actions_destroy(&actions);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) return failSys(rc, "run " + spec.path);
  return pid;
}

int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

void appendCapped(std::string& to, const char* data, size_t n, size_t cap) {
  if (to.size() < cap) to.append(data, std::min(n, cap - to.size()));
}

}  // namespace

Result<CommandResult> runCommand(const CommandSpec& spec) {
  auto in = makePipe();
  auto out = makePipe();
  auto err = makePipe();
  if (!in || !out || !err) return failSys(errno, "pipes for " + spec.path);
  auto pid = spawn(spec, in->read.get(), out->write.get(), err->write.get());
  if (!pid) return fail(pid.error());
  in->read.reset();
  out->write.reset();
  err->write.reset();
  // The child is ours and not reaped yet: its pid cannot be reused before waitpid.
  UniqueFd pidfd(sys::pidfdOpen(*pid));
  ::fcntl(in->write.get(), F_SETFL, O_NONBLOCK);

  CommandResult result;
  size_t written = 0;
  if (spec.input.empty()) in->write.reset();
  const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  bool exited = false;
  while (out->read.valid() || err->read.valid() || !exited) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timedOut = true;
      break;
    }
    pollfd fds[4] = {{in->write.get(), POLLOUT, 0},
                     {out->read.get(), POLLIN, 0},
                     {err->read.get(), POLLIN, 0},
                     {exited ? -1 : pidfd.get(), POLLIN, 0}};
    const int n = ::poll(fds, 4, static_cast<int>(left.count()));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    if (fds[0].revents != 0) {
      const ssize_t w =
          ::write(in->write.get(), spec.input.data() + written, spec.input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN && errno != EINTR) in->write.reset();
      if (written == spec.input.size()) in->write.reset();
    }
    for (int i = 1; i <= 2; ++i) {
      if (fds[i].revents == 0) continue;
      UniqueFd& fd = i == 1 ? out->read : err->read;
      char buf[8192];
      const ssize_t r = ::read(fd.get(), buf, sizeof buf);
      if (r > 0)
        appendCapped(i == 1 ? result.out : result.err, buf, static_cast<size_t>(r), spec.maxOutput);
      else if (r == 0 || (errno != EINTR && errno != EAGAIN))
        fd.reset();
    }
    if (fds[3].revents != 0) exited = true;
  }
  if (result.timedOut) {
    ::kill(-*pid, SIGKILL);
    ::kill(*pid, SIGKILL);
  }
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (result.timedOut) ::kill(-*pid, SIGKILL);  // what it left behind in its group
  result.exitCode = decodeStatus(status);
  return result;
}

}  // namespace podkeeper::runtime
