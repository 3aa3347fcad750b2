// Prometheus across nodes, set up as the README's "Many nodes" section says: three agents fed
// by etcd, `podkeeper fleet targets` written into a file, a real Prometheus (Debian's
// /usr/bin/prometheus, tests/integration/metrics/prometheus_server) with the README's file_sd
// job on that file, and the README's query through Prometheus's HTTP API: one series per node
// and pod, each with the `node` label from the targets file.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>

#include "tests/e2e/fleet/fleet_support.h"
#include "tests/integration/metrics/prometheus_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_etcd.h"
#include "tests/support/text.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

// The README's query, as printed there.
constexpr const char* kPerPodCpu =
    "sum by (node, namespace, pod) (rate(container_cpu_usage_seconds_total{container!=\"\"}[5m]))";

TEST(FleetPrometheus, TheReadmesQueryAnswersOneSeriesPerNodeAndPod) {
  support::TempDir dir("pk-fleet-prom");
  support::TestEtcd etcd(dir.path(), 1);
  const std::string etcdFlags = "--etcd-endpoints " + etcd.endpoints() + " --etcd-prefix /pk";
  std::vector<std::unique_ptr<AgentHarness>> nodes;
  for (int i = 0; i < 3; ++i) {
    nodes.push_back(std::make_unique<AgentHarness>());
    nodes.back()->start({"--etcd-endpoints", etcd.endpoints(), "--etcd-prefix", "/pk",
                         "--node-name", "n" + std::to_string(i + 1)});
  }
  std::ofstream(dir.file("web.yaml")) << fleetPod("web").str();
  std::ofstream(dir.file("only2.yaml")) << fleetPod("only2").str();
  auto applied = fleetCli("apply -f " + dir.file("web.yaml") + " --all", etcdFlags);
  ASSERT_EQ(applied.exitCode, 0) << applied.output;
  applied = fleetCli("apply -f " + dir.file("only2.yaml") + " --node n2", etcdFlags);
  ASSERT_EQ(applied.exitCode, 0) << applied.output;
  ASSERT_TRUE(waitFor(
      [&] {
        return podRunning(*nodes[0], "web") && podRunning(*nodes[1], "web") &&
               podRunning(*nodes[2], "web") && podRunning(*nodes[1], "only2");
      },
      60s, 100ms))
      << nodes[0]->agentLog();

  // The targets file, written as the README does (a new file renamed over the old one).
  const std::string targets = dir.file("podkeeper-targets.json");
  nlohmann::json sd;
  ASSERT_TRUE(waitFor(
      [&] {
        auto r = support::runShell(std::string(PK_AGENT_PATH) + " fleet targets " + etcdFlags +
                                   " > " + targets + ".new");
        if (r.exitCode != 0) return false;
        sd = nlohmann::json::parse(support::readText(targets + ".new"), nullptr, false);
        return sd.is_array() && sd.size() == 3;
      },
      20s, 200ms))
      << sd.dump();
  ASSERT_EQ(::rename((targets + ".new").c_str(), targets.c_str()), 0);
  std::set<std::string> labelled;
  for (const auto& group : sd) labelled.insert(group["labels"].value("node", ""));
  EXPECT_EQ(labelled, (std::set<std::string>{"n1", "n2", "n3"})) << sd.dump();

  // The README's scrape config, with this test's file.
  metrics::testing::PrometheusServer prometheus(
      "  - job_name: podkeeper\n"
      "    metrics_path: /metrics/cadvisor\n"
      "    file_sd_configs:\n"
      "      - files: ['" +
      targets +
      "']\n"
      "        refresh_interval: 30s\n");
  ASSERT_TRUE(prometheus.waitReady(30s)) << prometheus.log();
  nlohmann::json up;
  ASSERT_TRUE(waitFor(
      [&] {
        up = prometheus.query("up{job=\"podkeeper\"} == 1");
        return up.is_array() && up.size() == 3;
      },
      60s, 500ms))
      << up.dump() << prometheus.log();

  // One series per node and pod: web on n1, n2, n3 and only2 on n2, nothing else.
  nlohmann::json result;
  std::set<std::pair<std::string, std::string>> seen;
  const std::set<std::pair<std::string, std::string>> expected{
      {"n1", "web"}, {"n2", "web"}, {"n3", "web"}, {"n2", "only2"}};
  ASSERT_TRUE(waitFor(
      [&] {
        result = prometheus.query(kPerPodCpu);
        if (!result.is_array()) return false;
        seen.clear();
        for (const auto& series : result)
          seen.insert({series["metric"].value("node", ""), series["metric"].value("pod", "")});
        return seen == expected && result.size() == expected.size();
      },
      60s, 500ms))
      << kPerPodCpu << "\n"
      << result.dump();
  for (const auto& series : result)
    EXPECT_EQ(series["metric"].value("namespace", ""), "default") << series.dump();
}

}  // namespace
}  // namespace podkeeper::e2e
