#include "runtime/container_init.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace podkeeper::runtime {
namespace {

[[noreturn]] void reportAndExit(int fd, const Error& e) {
  InitFailure f;
  f.err = e.code;
  std::strncpy(f.message, e.message.c_str(), sizeof(f.message) - 1);
  (void)!::write(fd, &f, sizeof f);
  ::_exit(127);
}

Result<void> joinPodNamespaces(const InitPlan& plan) {
  for (const auto& ns : plan.podNamespaces) {
    if (::setns(ns.fd, ns.type) != 0) {
      return failSys(errno, "join the pod's " + ns.kind + " namespace");
    }
  }
  return {};
}

Result<void> waitUntilPlaced(const InitPlan& plan) {
  if (plan.placedFd < 0) return {};
  char c;
  if (::read(plan.placedFd, &c, 1) != 1) return failMsg("shim did not place the container");
  if (plan.unshareCgroupNs && ::unshare(CLONE_NEWCGROUP) != 0) {
    return failSys(errno, "unshare cgroup namespace");
  }
  return {};
}

// chdir to workingDir, checking it resolves inside the new root.
Result<void> enterWorkingDir(const std::string& dir) {
  if (::chdir(dir.empty() ? "/" : dir.c_str()) != 0) {
    return failSys(errno, "chdir to workingDir \"" + dir + "\"");
  }
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr || cwd[0] != '/') {
    return failMsg("workingDir \"" + dir + "\" resolves outside the container root");
  }
  return {};
}

Result<void> setupStdio(const InitPlan& plan) {
  const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devNull < 0) return failSys(errno, "open /dev/null");
  if (::dup2(devNull, 0) < 0 || ::dup2(plan.stdoutFd, 1) < 0 || ::dup2(plan.stderrFd, 2) < 0) {
    return failSys(errno, "set up stdio");
  }
  // Nothing of the shim's reaches the container but the exec-error pipe, which closes on exec.
  const unsigned keep = static_cast<unsigned>(plan.execErrorFd);
  if (keep > 3) ::close_range(3, keep - 1, 0);
  ::close_range(std::max(3u, keep + 1), ~0U, 0);
  return {};
}

Result<void> setUp(const InitPlan& plan) {
  // Until exec this process is the shim's image: nothing in the container may open it
  // through /proc/<pid>/exe or ptrace it. exec makes an ordinary binary dumpable again.
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) return failSys(errno, "set non-dumpable");
  ::umask(0);  // device nodes get exactly the modes asked for
  if (auto r = waitUntilPlaced(plan); !r) return r;
  if (auto r = joinPodNamespaces(plan); !r) return r;
  if (auto r = prepareRootfs(plan.rootfs); !r) return r;
  if (auto r = pivotInto(plan.rootfs.mergedDir); !r) return r;
  if (plan.rootfs.readOnly) {
    if (auto r = remountRootReadOnly(); !r) return r;
  }
  ::umask(022);
  if (auto r = enterWorkingDir(plan.workingDir); !r) return r;
  if (auto r = setupStdio(plan); !r) return r;
  return assumeIdentity(plan.identity);
}

std::vector<char*> cStrings(std::vector<std::string>& v) {
  std::vector<char*> out;
  for (auto& s : v) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
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

void runContainerInit(const InitPlan& plan) {
  // Built first: after setUp (which ends with the seccomp filter) only execve follows.
  std::vector<std::string> env = containerEnvironment(plan.env, plan.hostname);
  std::vector<std::string> argv = plan.argv;
  auto envp = cStrings(env);
  auto args = cStrings(argv);
  const auto candidates = executableCandidates(argv[0], env);
  if (auto r = setUp(plan); !r) reportAndExit(plan.execErrorFd, r.error());
  int lastErr = ENOENT;
  for (const auto& candidate : candidates) {
    ::execve(candidate.c_str(), args.data(), envp.data());
    // Like execvp: a permission problem is remembered, a later hit still wins.
    if (errno != ENOENT && errno != ENOTDIR) lastErr = errno;
  }
  reportAndExit(plan.execErrorFd, Error::sys(lastErr, "exec \"" + argv[0] + "\""));
}

}  // namespace podkeeper::runtime
