#include <gtest/gtest.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/e2e/node/notify_socket.h"

// The real agent under systemd's notify protocol, with the test as PID 1: READY=1 only after
// the pods of an earlier run are adopted, STATUS= lines with the counts, WATCHDOG=1 from the
// loop (they stop while the loop thread is stopped, and while the process is), STOPPING=1.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class Notify : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("NOTIFY_SOCKET", socket.path().c_str(), 1);
    ::setenv("WATCHDOG_USEC", "1000000", 1);  // pings every 0.5 s
    // As systemd does, WATCHDOG_PID is the agent's pid: the shell's, which exec keeps.
    agent.setLauncher({"/bin/sh", "-c", "WATCHDOG_PID=$$ exec \"$0\" \"$@\""});
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
  }
  // Messages received so far are added to `seen`.
  size_t count(const std::string& message) {
    for (auto& m : socket.drain()) seen.push_back(std::move(m));
    return size_t(std::count(seen.begin(), seen.end(), message));
  }
  size_t pingsDuring(std::chrono::milliseconds d) {
    count("");
    seen.clear();
    std::this_thread::sleep_for(d);
    return count("WATCHDOG=1");
  }

  NotifySocket socket;
  AgentHarness agent;
  std::vector<std::string> seen;
};

TEST_F(Notify, ReadyComesAfterThePodsOfAnEarlierRunAreAdopted) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  agent.start();
  auto running = [&] {
    auto s = containerStatus(podJson(agent, pod.name), pod.container);
    return s.is_object() && s["state"].contains("running");
  };
  ASSERT_TRUE(waitFor(running, 30s)) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return count("READY=1") == 1; }, 10s));
  agent.stop();
  EXPECT_EQ(count("STOPPING=1"), 1u);
  const pid_t before = initPid(agent.cgroupDir("memory", pod.cgroup()));
  ASSERT_GT(before, 0);

  seen.clear();
  agent.start();
  ASSERT_TRUE(waitFor([&] { return count("READY=1") == 1; }, 10s)) << agent.agentLog();
  // Before READY=1: the adopted pod counted as running, so it had been looked at.
  auto ready = std::find(seen.begin(), seen.end(), "READY=1");
  auto status = std::find_if(std::make_reverse_iterator(ready), seen.rend(),
                             [](const std::string& m) { return m.rfind("STATUS=", 0) == 0; });
  ASSERT_NE(status, seen.rend());
  EXPECT_EQ(*status, "STATUS=1 pod (1 Running), 1 container running");
  EXPECT_EQ(seen.front(), "STATUS=adopting pods from an earlier run and loading manifests");
  EXPECT_NE(agent.agentLog().find("found 1 pod sandboxes from an earlier run"), std::string::npos);
  // Adopted, not restarted.
  EXPECT_EQ(initPid(agent.cgroupDir("memory", pod.cgroup())), before);
  EXPECT_EQ(containerStatus(podJson(agent, pod.name), pod.container)["restartCount"], 0);
  EXPECT_EQ(agent.getTcp("/readyz").status, 200);
}

TEST_F(Notify, StatusFollowsThePodCounts) {
  agent.start();
  ASSERT_TRUE(waitFor([&] { return count("READY=1") == 1; }, 10s)) << agent.agentLog();
  EXPECT_EQ(count("STATUS=0 pods, 0 containers running"), 1u);
  agent.dropManifest("web.yaml", PodYaml{}.str());
  // The next resync (2 s in the harness) reports it.
  EXPECT_TRUE(
      waitFor([&] { return count("STATUS=1 pod (1 Running), 1 container running") == 1; }, 30s))
      << agent.agentLog();
}

TEST_F(Notify, WatchdogPingsComeFromTheLoopAndStopWhenItIsStuck) {
  agent.start();
  ASSERT_TRUE(waitFor([&] { return count("READY=1") == 1; }, 10s)) << agent.agentLog();
  EXPECT_GE(pingsDuring(2s), 3u);  // every 0.5 s

  // The loop thread (the main thread) alone is stopped; the agent's other threads go on.
  const pid_t pid = agent.agentPid();
  ASSERT_EQ(::ptrace(PTRACE_SEIZE, pid, nullptr, nullptr), 0) << std::strerror(errno);
  ASSERT_EQ(::ptrace(PTRACE_INTERRUPT, pid, nullptr, nullptr), 0) << std::strerror(errno);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, __WALL), pid);
  ASSERT_TRUE(WIFSTOPPED(status));
  EXPECT_EQ(pingsDuring(2s), 0u) << "pings while the loop thread was stopped";
  ASSERT_EQ(::ptrace(PTRACE_DETACH, pid, nullptr, nullptr), 0) << std::strerror(errno);
  EXPECT_GE(pingsDuring(2s), 2u) << "no pings once the loop runs again";

  // The whole process stopped: no pings either.
  ::kill(pid, SIGSTOP);
  ASSERT_TRUE(waitFor(
      [&] {
        return readFile("/proc/" + std::to_string(pid) + "/stat").find(") T ") != std::string::npos;
      },
      5s));
  EXPECT_EQ(pingsDuring(2s), 0u) << "pings while the agent was stopped";
  ::kill(pid, SIGCONT);
  EXPECT_GE(pingsDuring(2s), 2u);
}

TEST_F(Notify, NoWatchdogPingsWhenTheWatchdogIsAnotherProcesss) {
  agent.setLauncher({"/bin/sh", "-c", "WATCHDOG_PID=1 exec \"$0\" \"$@\""});
  agent.start();
  ASSERT_TRUE(waitFor([&] { return count("READY=1") == 1; }, 10s)) << agent.agentLog();
  EXPECT_EQ(pingsDuring(2s), 0u);
}

}  // namespace
}  // namespace podkeeper::e2e
