#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"

// The plain TCP port serves health and metrics only (docs/architecture.md): pod specs carry env
// values, so the pod API is on the unix socket (mode 0600) and nowhere else.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

class PlainPort : public ::testing::Test {
 protected:
  void SetUp() override {
    agent.start();
    PodYaml pod;
    pod.script = "export SECRET=hunter2; while true; do sleep 1; done";
    agent.dropManifest("web.yaml", pod.str());
    ASSERT_TRUE(waitFor([&] { return agent.get("/pods/default/web").status == 200; }, 10s))
        << agent.agentLog();
  }
  AgentHarness agent;
};

TEST_F(PlainPort, PodListIsNotServedOnTcp) {
  auto r = agent.getTcp("/pods");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
}

TEST_F(PlainPort, OnePodIsNotServedOnTcp) {
  auto r = agent.getTcp("/pods/default/web");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body.find("hunter2"), std::string::npos);
}

TEST_F(PlainPort, PodEventsAreNotServedOnTcp) {
  EXPECT_EQ(agent.getTcp("/pods/default/web/events").status, 404);
}

TEST_F(PlainPort, HealthReadinessAndMetricsAreServedOnTcp) {
  EXPECT_EQ(agent.getTcp("/healthz").status, 200);
  EXPECT_EQ(agent.getTcp("/readyz").status, 200);
  EXPECT_EQ(agent.getTcp("/metrics").status, 200);
  EXPECT_EQ(agent.getTcp("/metrics/cadvisor").status, 200);
  EXPECT_EQ(agent.getTcp("/metrics/resource").status, 200);
}

TEST_F(PlainPort, PodListAndEventsAreServedOnTheUnixSocket) {
  auto list = agent.get("/pods");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(nlohmann::json::parse(list.body)["kind"], "PodList");
  auto events = agent.get("/pods/default/web/events");
  ASSERT_EQ(events.status, 200);
  EXPECT_EQ(nlohmann::json::parse(events.body)["kind"], "EventList");
}

}  // namespace
}  // namespace podkeeper::e2e
