// A real Prometheus scrapes the HTTPS port as it scrapes kubelets: TLS verified against a CA
// made in the test with openssl, once with a bearer token and once with a client certificate,
// through the same authentication and authorization chain as the agent's; a job without
// credentials is refused (up == 0). Needs root (cgroups) and /usr/bin/prometheus.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/auth/auth_filter.h"
#include "agent/http/tls_context.h"
#include "metrics/exporter.h"
#include "prometheus_server.h"
#include "served_pod.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait_for.h"

namespace podkeeper::metrics {
namespace {

using testing::PrometheusServer;

class PrometheusHttpsTest : public testing::ServedPodTest {
 protected:
  PrometheusHttpsTest() : ServedPodTest("tls", "scraped-0") {}
  void SetUp() override {
    RealPodTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    pod->addContainer("app", "registry.local/app:1", {}, testing::WorkloadChild::Kind::BurnCpu);
    auto entries = auth::parseTokenFile("scrape-token,prometheus,1\n", "tokens");
    ASSERT_TRUE(entries);
    tokens = auth::TokenTable(*entries);
    auto policy = auth::parsePolicy(
        "rules:\n- users: [prometheus]\n  groups: [system:monitoring]\n  resources: [metrics]\n",
        "policy");
    ASSERT_TRUE(policy);
    auth::AuthOptions options;
    options.tokens = [this] { return &tokens; };
    options.policy = std::make_shared<const auth::AuthorizationPolicy>(*policy);
    options.refused = [this](std::string_view reason) {
      agent->httpAuthRefused(std::string(reason));
    };
    auto tls = http::makeServerTlsContext({pki.serverCert(), pki.serverKey(), pki.caFile()});
    ASSERT_TRUE(tls) << tls.error().message;
    serve([&](http::HttpServer& s) { return s.listenTls("127.0.0.1:0", *tls).has_value(); },
          auth::requireAuth(router.handler(), std::move(options)));
  }
  std::string job(const std::string& name, const std::string& tlsExtra,
                  const std::string& authorization = "") {
    return "  - job_name: " + name + "\n    scheme: https\n    metrics_path: /metrics\n" +
           authorization + "    tls_config:\n      ca_file: " + pki.caFile() + "\n" + tlsExtra +
           "    static_configs:\n      - targets: ['127.0.0.1:" +
           std::to_string(server->tcpPort()) + "']\n";
  }

  support::TempDir dir{"pk-prom-tls"};
  support::TestPki pki{dir.path()};
  auth::TokenTable tokens;
};

TEST_F(PrometheusHttpsTest, ScrapesWithABearerTokenAndWithAClientCertificate) {
  auto scraper = pki.client("scraper", {"system:monitoring"});
  std::ofstream(dir.file("token")) << "scrape-token\n";
  PrometheusServer prom(
      job("token", "", "    authorization:\n      credentials_file: " + dir.file("token") + "\n") +
      job("cert",
          "      cert_file: " + scraper.certFile + "\n      key_file: " + scraper.keyFile + "\n") +
      job("anonymous", ""));
  ASSERT_TRUE(prom.waitReady(std::chrono::seconds(20))) << prom.log();
  nlohmann::json last;
  const bool scraped = support::waitFor(
      [&] {
        last = prom.query("count by (job) (container_cpu_usage_seconds_total{container=\"app\"})");
        return last.is_array() && last.size() == 2;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(500));
  ASSERT_TRUE(scraped) << last.dump() << prom.log();
  std::set<std::string> jobs;
  for (const auto& s : last) jobs.insert(s["metric"].value("job", ""));
  EXPECT_EQ(jobs, (std::set<std::string>{"token", "cert"}));
  // The anonymous job is scraped on its own schedule: wait for its first (refused) scrape.
  nlohmann::json refused;
  const bool seen = support::waitFor(
      [&] {
        refused = prom.query("up{job=\"anonymous\"}");
        return refused.is_array() && refused.size() == 1;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(500));
  ASSERT_TRUE(seen) << refused.dump() << prom.log();
  EXPECT_EQ(refused[0]["value"][1], "0") << refused.dump();
}

}  // namespace
}  // namespace podkeeper::metrics
