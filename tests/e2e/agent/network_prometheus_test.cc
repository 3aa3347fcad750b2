// A real Prometheus scrapes the agent's /metrics/cadvisor while the host talks to a pod: the
// per-pod receive rate of the pod's eth0, by PromQL, is above zero.
#include <gtest/gtest.h>

#include "tests/e2e/agent/network_fixture.h"
#include "tests/integration/metrics/prometheus_server.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using NetworkPrometheus = NetworkFixture;

TEST_F(NetworkPrometheus, APodsReceiveRateByPromQLMovesWithTraffic) {
  start();
  agent_->dropManifest("server.yaml",
                       netPodYaml("server",
                                  "mkdir -p /www && echo served > /www/index.html && "
                                  "exec httpd -f -p 8080 -h /www"));
  ASSERT_TRUE(waitFor([&] { return running("server") && !podIP("server").empty(); }, 20s))
      << agent_->agentLog();
  const std::string url = "http://" + podIP("server") + ":8080/";
  metrics::testing::PrometheusServer prometheus("127.0.0.1:" + std::to_string(agent_->port()),
                                                "/metrics/cadvisor");
  ASSERT_TRUE(prometheus.waitReady(30s)) << prometheus.log();
  const std::string query =
      "sum by (namespace, pod) (rate(container_network_receive_bytes_total"
      "{interface=\"eth0\"}[5s]))";
  double rate = 0;
  nlohmann::json last;
  ASSERT_TRUE(waitFor(
      [&] {
        support::runShell("curl -s -m 1 " + url + " >/dev/null");  // traffic into the pod
        last = prometheus.query(query);
        if (!last.is_array()) return false;
        for (const auto& series : last)
          if (series["metric"].value("pod", "") == "server")
            rate = std::stod(series["value"][1].get<std::string>());
        return rate > 0;
      },
      60s))
      << last.dump() << prometheus.log();
  EXPECT_GT(rate, 0.0);
}

}  // namespace
}  // namespace podkeeper::e2e
