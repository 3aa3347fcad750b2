#pragma once

#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/init/process_identity.h"

// The last steps of every process podkeeper starts inside a container: the container's init
// and each exec (probes, hooks, `podkeeper exec`). One implementation, in runc's order.
namespace podkeeper::runtime {

inline constexpr const char* kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The environment with PATH (default kDefaultPath) and HOSTNAME added when missing.
std::vector<std::string> containerEnvironment(const std::vector<std::string>& env,
                                              const std::string& hostname);

// Where execvp would look: argv0 itself when it holds a '/', else each PATH entry.
std::vector<std::string> executableCandidates(const std::string& argv0,
                                              const std::vector<std::string>& env);

// Why a process could not be started in a container, sent on its close-on-exec error pipe;
// EOF there means the command was exec'd.
struct ExecFailure {
  int err = 0;
  char message[480] = {};
};

[[noreturn]] void reportExecFailure(int fd, const Error& e);
// Reads the error pipe to its end: nothing means the command was exec'd. who names the
// process for a report cut short.
Result<void> readExecFailure(int fd, const std::string& who);

// argv, env (complete: see containerEnvironment) and the places to look for argv[0], laid
// out before the last steps so that they need no allocation. Neither copied nor moved: it
// holds pointers into itself.
class PreparedCommand {
 public:
  PreparedCommand(std::vector<std::string> argv, std::vector<std::string> env);
  PreparedCommand(const PreparedCommand&) = delete;
  PreparedCommand& operator=(const PreparedCommand&) = delete;

  const std::string& name() const { return argv_.front(); }
  // Execs the first candidate found; returns the errno execvp would report.
  int exec() const;

 private:
  std::vector<std::string> argv_, env_, candidates_;
  std::vector<char*> args_, envp_;
};

// Closes every inherited descriptor but 0-2 and errorFd (close-on-exec) first, so nothing of
// the host stays reachable, not even as /proc/self/fd/N through workingDir (CVE-2024-21626);
// then enters workingDir and checks with getcwd that it lies inside the root; takes the
// identity (user, groups, capabilities, no_new_privs, seccomp last); execs. On any failure it
// reports on errorFd and exits 127.
[[noreturn]] void execContainerCommand(const PreparedCommand& command,
                                       const std::string& workingDir,
                                       const ProcessIdentity& identity, int errorFd);

}  // namespace podkeeper::runtime
