#include "tests/e2e/agent/agent_harness.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "tests/e2e/agent/machine_probe.h"
#include "tests/support/command.h"
#include "tests/support/text.h"

namespace podkeeper::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int counter = 0;

void writeFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::trunc);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void run(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("failed: " + cmd);
}

}  // namespace

std::string readFile(const std::string& path) { return support::readText(path); }

bool exists(const std::string& path) { return fs::exists(path); }

AgentHarness::AgentHarness() {
  std::string id = std::to_string(::getpid()) + "-" + std::to_string(counter++);
  base_ = "/tmp/pk-e2e-" + id;
  manifestDir_ = base_ + "/manifests";
  stateDir_ = base_ + "/state";
  rootDir_ = base_ + "/root";
  imageDir_ = base_ + "/images";
  logDir_ = base_ + "/logs";
  cgroupRoot_ = "pk-e2e-" + id;
  fs::create_directories(manifestDir_);
  run("sh " PK_BUILD_IMAGE_SCRIPT " " + imageDir_ + " >/dev/null");
}

AgentHarness::~AgentHarness() { cleanUp(); }

void AgentHarness::start(const std::vector<std::string>& extraFlags) {
  std::vector<std::string> args = {
      PK_AGENT_PATH, "run", "--manifest-dir", manifestDir_, "--state-dir", stateDir_, "--image-dir",
      imageDir_, "--log-dir", logDir_, "--cgroup-root", cgroupRoot_, "--root-dir", rootDir_,
      "--listen", "127.0.0.1:0", "--relist", "2", "--resync", "2", "--log-level", "debug",
      // Its own (empty) CNI directory: the node's configuration never reaches a test's pods;
      // network tests pass their own after this.
      "--cni-conf-dir", base_ + "/cni"};
  // The HTTPS port is off unless a test asks for one (tests run side by side).
  const bool https = std::find(extraFlags.begin(), extraFlags.end(), "--port") != extraFlags.end();
  if (!https) args.insert(args.end(), {"--port", "0"});
  args.insert(args.end(), extraFlags.begin(), extraFlags.end());
  args.insert(args.begin(), launcher_.begin(), launcher_.end());
  agentPid_ = support::spawnLogged(args, base_ + "/agent.log", support::LogMode::Append);
  // The agent logs the real port when asked for port 0; a restart logs a new line, and the
  // newest line is the live one.
  std::regex portLine(R"(\(port (\d+)\))");
  bool up = waitFor(
      [&] {
        std::string log = agentLog();
        int found = 0;
        for (std::sregex_iterator it(log.cbegin(), log.cend(), portLine), end; it != end; ++it)
          found = std::stoi((*it)[1]);
        if (found == 0) return false;
        port_ = found;
        std::smatch tls;
        if (std::regex_search(log, tls, std::regex(R"(\(port (\d+), TLS\))")))
          securePort_ = std::stoi(tls[1]);
        if (https && securePort_ == 0) return false;
        return getTcp("/healthz").status == 200 && get("/healthz").status == 200;
      },
      10s);
  if (!up) throw std::runtime_error("agent did not come up; log:\n" + agentLog());
}

void AgentHarness::stop() {
  if (agentPid_ <= 0) return;
  ::kill(agentPid_, SIGTERM);
  int status = 0;
  if (!waitFor([&] { return ::waitpid(agentPid_, &status, WNOHANG) != 0; }, 10s)) {
    ::kill(agentPid_, SIGKILL);
    ::waitpid(agentPid_, &status, 0);
  }
  agentPid_ = -1;
  port_ = 0;
  securePort_ = 0;
}

void AgentHarness::dropManifest(const std::string& name, const std::string& yaml) {
  std::string tmp = manifestDir_ + "/." + name + ".tmp";
  writeFile(tmp, yaml);
  fs::rename(tmp, manifestDir_ + "/" + name);
}

void AgentHarness::writeManifestInPlace(const std::string& name, const std::string& yaml) {
  writeFile(manifestDir_ + "/" + name, yaml);
}

void AgentHarness::removeManifest(const std::string& name) {
  fs::remove(manifestDir_ + "/" + name);
}

HttpResult AgentHarness::get(const std::string& path) const {
  if (port_ == 0) return {};
  return support::httpGetUnix(stateDir_ + "/podkeeper.sock", path);
}

HttpResult AgentHarness::getTcp(const std::string& path) const {
  if (port_ == 0) return {};
  return support::httpGetLoopback(uint16_t(port_), path);
}

std::string AgentHarness::agentLog() const { return readFile(base_ + "/agent.log"); }

std::string AgentHarness::logFile(const std::string& ns, const std::string& pod,
                                  const std::string& uid, const std::string& container,
                                  int restart) const {
  return logDir_ + "/" + ns + "_" + pod + "_" + uid + "/" + container + "/" +
         std::to_string(restart) + ".log";
}

std::string AgentHarness::cgroupDir(const std::string& controller,
                                    const std::string& relative) const {
  return "/sys/fs/cgroup/" + controller + "/" + cgroupRoot_ + (relative.empty() ? "" : "/") +
         relative;
}

std::string AgentHarness::memoryCgroupDir(const std::string& relative) const {
  return cgroupDir("memory", relative);
}

void AgentHarness::cleanUp() {
  // The polite way first: no manifests, so the agent stops and removes every pod.
  if (agentPid_ > 0) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(manifestDir_, ec)) fs::remove(e.path(), ec);
    waitFor([&] { return fs::is_empty(stateDir_ + "/pods", ec) || ec; }, 15s);
    stop();
  }
  // Then whatever is left, by force.
  killCgroupTree(cgroupRoot_);
  unmountUnder(base_);
  removeCgroupTree(cgroupRoot_);
  std::error_code ec;
  fs::remove_all(base_, ec);
}

}  // namespace podkeeper::e2e
