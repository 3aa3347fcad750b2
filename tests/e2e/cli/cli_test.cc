#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// `podkeeper get pods | describe pod | logs` against a running agent, over its unix socket.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  CliRun cli(const std::string& args) { return runCli(agent, args); }
  bool cliShows(const std::string& args, const std::string& text) {
    return waitFor([&] { return cli(args).output.find(text) != std::string::npos; }, 30s);
  }

  AgentHarness agent;
};

TEST_F(Cli, GetPodsShowsARunningPodInKubectlsColumns) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(cliShows("get pods", "web    1/1     Running   0")) << cli("get pods").output;
  EXPECT_TRUE(cli("get pods").output.starts_with("NAME   READY   STATUS    RESTARTS   AGE\n"));
  auto json = cli("get pods -o json");
  EXPECT_EQ(json.exitCode, 0);
  EXPECT_EQ(nlohmann::json::parse(json.output)["items"][0]["status"]["qosClass"], "Burstable");
}

TEST_F(Cli, DescribePodShowsTheContainerStateAndTheEvents) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(cliShows("get pods", "Running"));
  auto r = cli("describe pod web");
  EXPECT_EQ(r.exitCode, 0) << r.output;
  EXPECT_NE(r.output.find("    State:          Running\n"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Started container app"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("QoS Class:        Burstable"), std::string::npos) << r.output;
}

TEST_F(Cli, LogsPrintTheContainersOutputAsPlainText) {
  PodYaml pod;
  pod.script = "echo first; echo second; while true; do sleep 1; done";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(cliShows("logs web", "second")) << agent.agentLog();
  EXPECT_EQ(cli("logs web").output, "first\nsecond\n");
  EXPECT_EQ(cli("logs web --tail 1 -c app").output, "second\n");
}

TEST_F(Cli, PreviousLogsAreTheCrashedInstancesOutput) {
  PodYaml pod;
  pod.script = "echo instance $(cat /proc/uptime); exit 3";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor(
      [&] {
        auto p = podJson(agent, "web");
        return p.is_object() && p["status"]["containerStatuses"][0].value("restartCount", 0) >= 1;
      },
      40s))
      << agent.agentLog();
  auto previous = cli("logs web --previous");
  EXPECT_EQ(previous.exitCode, 0) << previous.output;
  EXPECT_TRUE(previous.output.starts_with("instance ")) << previous.output;
  EXPECT_NE(cli("get pods").output.find("1 ("), std::string::npos);  // RESTARTS with its age
}

TEST_F(Cli, UnknownPodIsReportedAsKubectlDoes) {
  auto r = cli("describe pod nope");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.output,
            "Error from server (NotFound): pods \"nope\" not found in namespace default\n");
}

TEST_F(Cli, TheSocketServesThePodListAndLogPathsAndTcpNeither) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(cliShows("get pods", "Running"));
  auto list = agent.get("/pods");
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(nlohmann::json::parse(list.body)["kind"], "PodList");
  EXPECT_EQ(agent.get("/pods/default/web/logpath").status, 200);
  EXPECT_EQ(agent.getTcp("/pods").status, 404);
  EXPECT_EQ(agent.getTcp("/pods/default/web/logpath").status, 404);
}

}  // namespace
}  // namespace podkeeper::e2e
