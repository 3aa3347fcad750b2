// Three agents (nodes n1, n2, n3) fed by a three-member etcd, driven from outside with etcdctl
// and `podkeeper fleet`: placement per node and for all nodes, deletes, the fleet view, etcd
// outages (a member, then a majority), and an agent killed with -9 and restarted.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "tests/e2e/fleet/fleet_support.h"
#include "tests/support/scripted_http_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_etcd.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

PodYaml pod(const std::string& name) { return fleetPod(name); }

class Fleet : public ::testing::Test {
 protected:
  void SetUp() override {
    etcd = std::make_unique<support::TestEtcd>(dir.path(), 3);
    for (int i = 0; i < 3; ++i) {
      nodes.push_back(std::make_unique<AgentHarness>());
      startNode(i);
    }
  }
  void startNode(int i) {
    nodes[i]->start({"--etcd-endpoints", etcd->endpoints(), "--etcd-prefix", "/pk", "--node-name",
                     "n" + std::to_string(i + 1)});
  }
  void put(const std::string& key, const std::string& value) {
    std::ofstream(dir.file("value")) << value;
    etcd->ctl("put " + key + " < " + dir.file("value"));
  }
  std::string fleet(const std::string& args) {
    return fleetCli(args, "--etcd-endpoints " + etcd->endpoints() + " --etcd-prefix /pk").output;
  }
  bool running(int node, const std::string& name) { return podRunning(*nodes[node], name); }
  bool absent(int node, const std::string& name) {
    return nodes[node]->get("/pods/default/" + name).status == 404;
  }
  pid_t init(int node, const PodYaml& p) {
    return initPid(nodes[node]->memoryCgroupDir(p.cgroup()));
  }

  support::TempDir dir{"pk-fleet"};
  std::unique_ptr<support::TestEtcd> etcd;
  std::vector<std::unique_ptr<AgentHarness>> nodes;
};

TEST_F(Fleet, PlacementDeletesOutagesAndAKilledAgent) {
  auto web = pod("web"), only2 = pod("only2");
  auto putAt = std::chrono::steady_clock::now();
  put("/pk/all/pods/default_web", web.str());
  put("/pk/nodes/n2/pods/default_only2", only2.str());
  ASSERT_TRUE(waitFor([&] { return running(0, "web") && running(1, "web") && running(2, "web"); },
                      60s, 50ms))
      << nodes[0]->agentLog();
  auto putToRunning = std::chrono::steady_clock::now() - putAt;
  ASSERT_TRUE(waitFor([&] { return running(1, "only2"); }, 30s, 50ms));
  EXPECT_TRUE(absent(0, "only2"));
  EXPECT_TRUE(absent(2, "only2"));
  std::printf("put to Running on all 3 nodes: %.3f s (load average in the report)\n",
              std::chrono::duration<double>(putToRunning).count());

  // The fleet view: every pod with its node, and every node.
  ASSERT_TRUE(waitFor(
      [&] {
        auto out = fleet("get pods -o wide");
        return out.find("only2") != std::string::npos && out.find(" n1") != std::string::npos &&
               out.find(" n3") != std::string::npos;
      },
      20s, 200ms))
      << fleet("get pods -o wide");
  auto table = fleet("get pods");
  EXPECT_NE(table.find("NODE"), std::string::npos) << table;
  int webRows = 0;
  for (size_t at = 0; (at = table.find("web", at)) != std::string::npos; ++at) ++webRows;
  EXPECT_EQ(webRows, 3) << table;
  auto nodeTable = fleet("get nodes");
  for (auto n : {"n1", "n2", "n3"}) EXPECT_NE(nodeTable.find(n), std::string::npos) << nodeTable;
  auto targets = nlohmann::json::parse(fleet("targets"), nullptr, false);
  ASSERT_TRUE(targets.is_array()) << fleet("targets");
  EXPECT_EQ(targets.size(), 3u);

  // Deleting the key stops the pod, on its node only.
  etcd->ctl("del /pk/nodes/n2/pods/default_only2");
  ASSERT_TRUE(waitFor([&] { return absent(1, "only2"); }, 30s, 50ms));
  EXPECT_TRUE(running(1, "web"));

  // One member down, then a majority: the pods keep running.
  std::map<int, pid_t> before;
  for (int i = 0; i < 3; ++i) before[i] = init(i, web);
  etcd->kill(0);
  etcd->kill(1);
  std::this_thread::sleep_for(3s);  // the agents notice (their watches fail)
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(running(i, "web"));
    EXPECT_EQ(init(i, web), before[i]);
  }
  etcd->start(0);
  etcd->start(1);
  // A change after the outage reaches every node (the watch resumed).
  auto late = pod("late");
  ASSERT_TRUE(waitFor(
      [&] {
        try {
          put("/pk/all/pods/default_late", late.str());
          return true;
        } catch (...) {
          return false;
        }
      },
      30s, 200ms));
  ASSERT_TRUE(waitFor(
      [&] { return running(0, "late") && running(1, "late") && running(2, "late"); }, 60s, 50ms));

  // kill -9 of n3: its lease expires and it leaves the fleet view; its pods keep running.
  pid_t webOn3 = init(2, web);
  ::kill(nodes[2]->agentPid(), SIGKILL);
  nodes[2]->stop();
  ASSERT_TRUE(
      waitFor([&] { return fleet("get nodes").find("n3") == std::string::npos; }, 40s, 500ms))
      << fleet("get nodes");
  EXPECT_EQ(init(2, web), webOn3);
  // Restarted: the same pods, not restarted, and back in the view.
  startNode(2);
  ASSERT_TRUE(waitFor([&] { return running(2, "web") && running(2, "late"); }, 30s, 50ms));
  EXPECT_EQ(init(2, web), webOn3);
  ASSERT_TRUE(
      waitFor([&] { return fleet("get nodes").find("n3") != std::string::npos; }, 20s, 200ms));
}

// The figure the README quotes: N pods for all nodes, put at once, until every node runs all of
// them and the fleet view lists all N x 3. Prints the times (taken under the machine's load).
// N is 20, or PK_FLEET_PODS for a larger measurement run by hand.
TEST_F(Fleet, ManyPodsOnEveryNode) {
  const char* env = std::getenv("PK_FLEET_PODS");
  const int kPods = env && std::atoi(env) > 0 ? std::atoi(env) : 20;
  auto putAt = std::chrono::steady_clock::now();
  for (int i = 0; i < kPods; ++i) {
    auto p = pod("many" + std::to_string(i));
    put("/pk/all/pods/default_" + p.name, p.str());
  }
  auto allRunning = [&] {
    for (int n = 0; n < 3; ++n) {
      auto list = nlohmann::json::parse(nodes[n]->get("/pods").body, nullptr, false);
      if (!list.is_object()) return false;
      int running = 0;
      for (const auto& item : list.value("items", nlohmann::json::array()))
        if (item["status"].value("phase", "") == "Running") ++running;
      if (running != kPods) return false;
    }
    return true;
  };
  ASSERT_TRUE(waitFor(allRunning, std::chrono::seconds(std::max(180, 6 * kPods)), 100ms));
  auto running = std::chrono::steady_clock::now() - putAt;
  ASSERT_TRUE(waitFor(
      [&] {
        auto out = fleet("get pods");
        int rows = 0;
        for (size_t at = 0; (at = out.find("Running", at)) != std::string::npos; ++at) ++rows;
        return rows == 3 * kPods;
      },
      std::chrono::seconds(std::max(60, 2 * kPods)), 200ms))
      << fleet("get pods");
  auto inView = std::chrono::steady_clock::now() - putAt;
  std::printf(
      "%d pods x 3 nodes: all Running %.2f s after the puts, all in the fleet view %.2f s\n", kPods,
      std::chrono::duration<double>(running).count(),
      std::chrono::duration<double>(inView).count());
}

// --manifest-url wired into the agent: a pod served by a local HTTP server runs; a 500 keeps
// it; an empty body stops it.
TEST(ManifestUrlAgent, RunsWhatTheUrlServes) {
  std::mutex mu;
  support::ScriptedReply reply;
  reply.body = pod("fromurl").str();
  support::ScriptedHttpServer server([&](const support::ScriptedRequest&) {
    std::lock_guard lock(mu);
    return reply;
  });
  AgentHarness agent;
  agent.start({"--manifest-url", "http://" + server.host() + "/pods", "--manifest-url-header",
               "X-Node: e2e"});
  auto runningNow = [&] { return podRunning(agent, "fromurl"); };
  ASSERT_TRUE(waitFor(runningNow, 60s, 50ms)) << agent.agentLog();
  ASSERT_FALSE(server.requests().empty());
  EXPECT_EQ(server.requests()[0].headers["x-node"], "e2e");
  {
    std::lock_guard lock(mu);
    reply.status = 500;
  }
  size_t seen = server.requests().size();
  ASSERT_TRUE(waitFor([&] { return server.requests().size() >= seen + 2; }, 30s, 100ms));
  EXPECT_TRUE(runningNow());
  {
    std::lock_guard lock(mu);
    reply.status = 200;
    reply.body = "";
  }
  ASSERT_TRUE(waitFor([&] { return agent.get("/pods/default/fromurl").status == 404; }, 60s, 100ms))
      << agent.agentLog();
}

}  // namespace
}  // namespace podkeeper::e2e
