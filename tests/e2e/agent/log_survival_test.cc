#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <regex>
#include <sstream>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLines = 400;  // one every 10 ms: about 5 s with the shell's own cost

// The payloads of a CRI log, each line checked for the CRI format on the way.
std::vector<std::string> criPayloads(const std::string& log, std::string& badLine) {
  static const std::regex line(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,9}(Z|[+-]\d\d:\d\d) stdout F (.*)$)");
  std::vector<std::string> out;
  std::istringstream in(log);
  for (std::string text; std::getline(in, text);) {
    std::smatch m;
    if (!std::regex_match(text, m, line)) {
      badLine = text;
      return out;
    }
    out.push_back(m[2]);
  }
  return out;
}

TEST(LogSurvival, EveryLineIsLoggedOnceInOrderAcrossAKill9OfTheAgent) {
  AgentHarness agent;
  agent.start();
  PodYaml pod;
  pod.name = "counter";
  pod.uid = "e2e-log-1";
  pod.script = "i=0; while [ $$i -lt " + std::to_string(kLines) +
               " ]; do echo $$i; i=$$((i+1)); usleep 10000; done; echo done; "
               "while true; do sleep 1; done";
  agent.dropManifest("counter.yaml", pod.str());
  const std::string logPath = agent.logFile("default", pod.name, pod.uid, pod.container, 0);
  ASSERT_TRUE(waitFor([&] { return readFile(logPath).find(" F 20\n") != std::string::npos; }, 10s))
      << agent.agentLog();

  const pid_t first = agent.agentPid();
  ASSERT_EQ(::kill(first, SIGKILL), 0);
  ASSERT_EQ(::waitpid(first, nullptr, 0), first);
  const auto bytesWhenKilled = readFile(logPath).size();
  std::this_thread::sleep_for(1s);  // the container keeps writing with no agent at all
  EXPECT_GT(readFile(logPath).size(), bytesWhenKilled) << "the log stopped with the agent";
  agent.start();

  ASSERT_TRUE(
      waitFor([&] { return readFile(logPath).find(" F done\n") != std::string::npos; }, 15s))
      << readFile(logPath);
  std::string badLine;
  const auto payloads = criPayloads(readFile(logPath), badLine);
  EXPECT_EQ(badLine, "") << "not a CRI log line";
  ASSERT_EQ(payloads.size(), size_t(kLines + 1));
  for (int i = 0; i < kLines; ++i)
    ASSERT_EQ(payloads[size_t(i)], std::to_string(i)) << "line " << i;
  EXPECT_EQ(payloads.back(), "done");
  EXPECT_FALSE(exists(agent.logFile("default", pod.name, pod.uid, pod.container, 1)))
      << "the container was restarted instead of adopted";
}

}  // namespace
}  // namespace podkeeper::e2e
