#include "runtime/init/container_command.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace podkeeper::runtime {
namespace {

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void closeAllBut(int keep) {
  const unsigned k = static_cast<unsigned>(keep);
  if (keep < 3) {
    ::close_range(3, ~0U, 0);
    return;
  }
  if (k > 3) ::close_range(3, k - 1, 0);
  ::close_range(k + 1, ~0U, 0);
}

// getcwd names a directory outside the root "(unreachable)/..." (no leading '/'): the case of
// a working directory reached through a descriptor or another process's /proc entry.
Result<void> enterWorkingDir(const std::string& dir) {
  const std::string& target = dir.empty() ? std::string("/") : dir;
  if (::chdir(target.c_str()) != 0) return failSys(errno, "chdir to workingDir \"" + dir + "\"");
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    return failSys(EPERM, "workingDir \"" + dir + "\" resolves outside the container root");
  }
  return {};
}

}  // namespace

std::vector<std::string> containerEnvironment(const std::vector<std::string>& env,
                                              const std::string& hostname) {
  std::vector<std::string> out = env;
  auto has = [&](const std::string& key) {
    return std::any_of(env.begin(), env.end(),
                       [&](const std::string& kv) { return kv.starts_with(key + "="); });
  };
  if (!has("PATH")) out.push_back(std::string("PATH=") + kDefaultPath);
  if (!has("HOSTNAME") && !hostname.empty()) out.push_back("HOSTNAME=" + hostname);
  return out;
}

std::vector<std::string> executableCandidates(const std::string& argv0,
                                              const std::vector<std::string>& env) {
  if (argv0.find('/') != std::string::npos) return {argv0};
  std::string path = kDefaultPath;
  for (const auto& kv : env) {
    if (kv.starts_with("PATH=")) path = kv.substr(5);
  }
  std::vector<std::string> out;
  std::string_view rest = path;
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);
    out.push_back(std::string(dir.empty() ? std::string_view(".") : dir) + "/" + argv0);
    if (colon == rest.npos) break;
    rest.remove_prefix(colon + 1);
  }
  return out;
}

void reportExecFailure(int fd, const Error& e) {
  ExecFailure f;
  f.err = e.code;
  std::strncpy(f.message, e.message.c_str(), sizeof(f.message) - 1);
  (void)!::write(fd, &f, sizeof f);
  ::_exit(127);
}

Result<void> readExecFailure(int fd, const std::string& who) {
  ExecFailure f;
  ssize_t n;
  do {
    n = ::read(fd, &f, sizeof f);
  } while (n < 0 && errno == EINTR);
  if (n == 0) return {};
  if (n != static_cast<ssize_t>(sizeof f)) return failMsg(who + " died before exec");
  f.message[sizeof(f.message) - 1] = '\0';
  return fail(Error{f.err, f.message});
}

PreparedCommand::PreparedCommand(std::vector<std::string> argv, std::vector<std::string> env)
    : argv_(std::move(argv)), env_(std::move(env)) {
  if (argv_.empty()) argv_.emplace_back();
  candidates_ = executableCandidates(argv_.front(), env_);
  args_ = cStrings(argv_);
  envp_ = cStrings(env_);
}

int PreparedCommand::exec() const {
  int err = ENOENT;
  for (const auto& candidate : candidates_) {
    ::execve(candidate.c_str(), args_.data(), envp_.data());
    // Like execvp: a permission problem is remembered, a later hit still wins.
    if (errno != ENOENT && errno != ENOTDIR) err = errno;
  }
  return err;
}

void execContainerCommand(const PreparedCommand& command, const std::string& workingDir,
                          const ProcessIdentity& identity, int errorFd) {
  closeAllBut(errorFd);
  if (auto r = enterWorkingDir(workingDir); !r) reportExecFailure(errorFd, r.error());
  if (auto r = assumeIdentity(identity); !r) reportExecFailure(errorFd, r.error());
  const int err = command.exec();
  reportExecFailure(errorFd, Error::sys(err, "exec \"" + command.name() + "\""));
}

}  // namespace podkeeper::runtime
