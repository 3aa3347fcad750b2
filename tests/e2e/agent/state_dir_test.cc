#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/command.h"

// The state directory belongs to one agent and to root: a second agent on it stops at once,
// and nothing in it (socket, pod directories, container configs) is open to local users.
namespace podkeeper::e2e {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

mode_t modeOf(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

bool socketAnswers(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

struct Exited {
  bool exited = false;
  int code = -1;
  std::string output;
};

// Runs a second podkeeper on the state directory, with directories of its own for the rest.
Exited runSecondAgent(const AgentHarness& first, const std::string& base) {
  fs::create_directories(base + "/manifests");
  const std::string out = base + "/second.log";
  std::vector<std::string> args = {PK_AGENT_PATH,    "run",
                                   "--state-dir",    first.stateDir(),
                                   "--manifest-dir", base + "/manifests",
                                   "--image-dir",    base + "/images",
                                   "--log-dir",      base + "/logs",
                                   "--cgroup-root",  "pk-e2e-second-" + std::to_string(::getpid()),
                                   "--listen",       "127.0.0.1:0",
                                   "--port",         "0"};
  const pid_t pid = support::spawnLogged(args, out, support::LogMode::Truncate);
  Exited result;
  int status = 0;
  result.exited = waitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 5s);
  if (!result.exited) {
    ::kill(pid, SIGTERM);
    std::this_thread::sleep_for(1s);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  } else if (WIFEXITED(status)) {
    result.code = WEXITSTATUS(status);
  }
  result.output = readFile(out);
  return result;
}

TEST(StateDir, SecondAgentOnTheSameStateDirExitsNamingTheHolder) {
  AgentHarness agent;
  agent.start();
  const std::string base = "/tmp/pk-e2e-second-" + std::to_string(::getpid());
  const auto second = runSecondAgent(agent, base);
  fs::remove_all(base);
  EXPECT_TRUE(second.exited) << second.output;
  EXPECT_NE(second.code, 0) << second.output;
  EXPECT_NE(second.output.find("state directory " + agent.stateDir() +
                               " is in use by another podkeeper (pid " +
                               std::to_string(agent.agentPid()) + ","),
            std::string::npos)
      << second.output;
}

TEST(StateDir, FirstAgentKeepsItsSocketWhenASecondOneStarts) {
  AgentHarness agent;
  agent.start();
  const std::string socket = agent.stateDir() + "/podkeeper.sock";
  struct stat before {};
  ASSERT_EQ(::stat(socket.c_str(), &before), 0);
  const std::string base = "/tmp/pk-e2e-second-" + std::to_string(::getpid());
  (void)runSecondAgent(agent, base);
  fs::remove_all(base);
  struct stat after {};
  ASSERT_EQ(::stat(socket.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_TRUE(socketAnswers(socket));
  EXPECT_EQ(agent.get("/healthz").status, 200);
}

// Under umask 0 every file the agent creates would be world-writable unless it says
// otherwise: the state directory, the socket and the pod's files must not be.
class PrivateState : public ::testing::Test {
 protected:
  void SetUp() override { old_ = ::umask(0); }
  void TearDown() override { ::umask(old_); }
  mode_t old_ = 022;
};

TEST_F(PrivateState, StateDirAndSocketAreRootsOnlyUnderUmaskZero) {
  AgentHarness agent;
  agent.start();
  EXPECT_EQ(modeOf(agent.stateDir()), 0700u);
  EXPECT_EQ(modeOf(agent.stateDir() + "/podkeeper.sock") & 0777, 0600u);
  EXPECT_EQ(modeOf(agent.stateDir() + "/podkeeper.lock"), 0600u);
}

TEST_F(PrivateState, PodDirAndContainerConfigAreRootsOnlyUnderUmaskZero) {
  AgentHarness agent;
  agent.start();
  PodYaml pod;
  pod.uid = "e2e-private-1";
  agent.dropManifest("web.yaml", pod.str());
  const std::string podDir = agent.stateDir() + "/pods/" + pod.uid;
  const std::string config = podDir + "/containers/" + pod.container + "/config.json";
  ASSERT_TRUE(waitFor([&] { return exists(podDir + "/containers/app/state.json"); }, 15s))
      << agent.agentLog();
  EXPECT_EQ(modeOf(podDir), 0700u);
  EXPECT_EQ(modeOf(config), 0600u);
}

}  // namespace
}  // namespace podkeeper::e2e
