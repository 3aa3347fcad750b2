#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/support/http_get.h"
#include "tests/support/wait_for.h"

// Runs the real podkeeper binary with private directories and a private cgroup root, and
// cleans up after it whatever happens: pods, processes, mounts, cgroups, files.
namespace podkeeper::e2e {

using support::HttpResult;
using support::waitFor;

class AgentHarness {
 public:
  AgentHarness();
  ~AgentHarness();
  AgentHarness(const AgentHarness&) = delete;
  AgentHarness& operator=(const AgentHarness&) = delete;

  // Starts the agent and waits for /healthz; extra flags are appended.
  void start(const std::vector<std::string>& extraFlags = {});
  // SIGTERM and wait; containers keep running.
  void stop();
  // Commands put before the agent's path and flags on the next start(), e.g. a shell that
  // sets the environment and execs the agent (which keeps the shell's pid).
  void setLauncher(std::vector<std::string> prefix) { launcher_ = std::move(prefix); }
  pid_t agentPid() const { return agentPid_; }

  // Writes a temp file and rename()s it into the manifest directory, as an editor would.
  void dropManifest(const std::string& name, const std::string& yaml);
  // Writes in place (no rename), for half-written and broken edits.
  void writeManifestInPlace(const std::string& name, const std::string& yaml);
  void removeManifest(const std::string& name);

  // The read API lives on the unix socket; the plain TCP port serves health and metrics only.
  HttpResult get(const std::string& path) const;
  HttpResult getTcp(const std::string& path) const;
  // The HTTPS port when the agent was started with --port (0 otherwise); the first start's.
  int securePort() const { return securePort_; }
  // The plain 127.0.0.1 port of the running agent.
  int port() const { return port_; }
  std::string agentLog() const;

  const std::string& cgroupRoot() const { return cgroupRoot_; }
  const std::string& stateDir() const { return stateDir_; }
  const std::string& rootDir() const { return rootDir_; }
  const std::string& logDir() const { return logDir_; }
  const std::string& imageDir() const { return imageDir_; }
  // <log-dir>/<ns>_<name>_<uid>/<container>/<restart>.log
  std::string logFile(const std::string& ns, const std::string& pod, const std::string& uid,
                      const std::string& container, int restart) const;
  // The v1 memory-hierarchy directory of a cgroup path under the private root.
  std::string memoryCgroupDir(const std::string& relative) const;
  std::string cgroupDir(const std::string& controller, const std::string& relative) const;

 private:
  void cleanUp();

  std::string base_, manifestDir_, stateDir_, rootDir_, imageDir_, logDir_, cgroupRoot_;
  int port_ = 0;
  int securePort_ = 0;
  pid_t agentPid_ = -1;
  std::vector<std::string> launcher_;
};

std::string readFile(const std::string& path);
bool exists(const std::string& path);

}  // namespace podkeeper::e2e
