#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/text.h"

// The HTTPS port of the real agent: every route by credential, the same PodList as on the
// unix socket, a token file edited while the agent runs, and the refusals metric.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using support::HttpsCredentials;
using support::httpsGetLoopback;

using support::freeLoopbackPort;
using support::writeTextAtomically;

class HttpsPort : public ::testing::Test {
 protected:
  void SetUp() override {
    writeTextAtomically(dir.file("tokens.csv"),
                        "pods-token,oncall,1\nmetrics-token,prometheus,2\nnothing-token,intern,3,"
                        "\"dev,qa\"\n");
    writeTextAtomically(
        dir.file("policy.yaml"),
        "rules:\n- users: [oncall]\n  resources: [pods, log]\n"
        "- users: [prometheus]\n  groups: [system:monitoring]\n  resources: [metrics]\n"
        "- groups: [ops]\n  resources: ['*']\n");
    port = freeLoopbackPort();
    agent.start({"--port", std::to_string(port), "--address", "127.0.0.1", "--client-ca-file",
                 pki.caFile(), "--tls-cert-file", pki.serverCert(), "--tls-private-key-file",
                 pki.serverKey(), "--token-auth-file", dir.file("tokens.csv"),
                 "--authorization-policy-file", dir.file("policy.yaml")});
    ASSERT_EQ(agent.securePort(), port) << agent.agentLog();
    PodYaml pod;
    pod.script = "export SECRET=hunter2; while true; do sleep 1; done";
    agent.dropManifest("web.yaml", pod.str());
    ASSERT_TRUE(waitFor([&] { return agent.get("/pods/default/web").status == 200; }, 10s))
        << agent.agentLog();
  }
  int status(const std::string& path, HttpsCredentials c) {
    c.caFile = pki.caFile();
    return httpsGetLoopback(uint16_t(port), path, c).status;
  }

  support::TempDir dir{"pk-https"};
  support::TestPki pki{dir.path()};
  AgentHarness agent;
  int port = 0;
};

TEST_F(HttpsPort, EveryRouteByCredentialGetsItsExactStatus) {
  auto admin = pki.client("admin", {"ops"});
  auto scraper = pki.client("scraper", {"system:monitoring"});
  struct Row {
    std::string path;
    std::string rightToken;
    int anonymous, badToken, withoutRight, withRight, adminCert, scraperCert;
  };
  const std::vector<Row> rows = {
      {"/healthz", "pods-token", 200, 200, 200, 200, 200, 200},
      {"/readyz", "pods-token", 200, 200, 200, 200, 200, 200},
      {"/metrics", "metrics-token", 401, 401, 403, 200, 200, 200},
      {"/metrics/cadvisor", "metrics-token", 401, 401, 403, 200, 200, 200},
      {"/metrics/resource", "metrics-token", 401, 401, 403, 200, 200, 200},
      {"/pods", "pods-token", 401, 401, 403, 200, 200, 403},
      {"/pods/default/web", "pods-token", 401, 401, 403, 200, 200, 403},
      {"/pods/default/web/events", "pods-token", 401, 401, 403, 200, 200, 403},
      {"/pods/default/missing", "pods-token", 401, 401, 403, 404, 404, 403},
      // Local-only routes are not on the HTTPS port at all.
      {"/pods/default/web/logpath", "pods-token", 401, 401, 403, 404, 404, 403},
      {"/pods/default/web/exec", "pods-token", 401, 401, 403, 403, 404, 403},
  };
  for (const auto& r : rows) {
    SCOPED_TRACE(r.path);
    EXPECT_EQ(status(r.path, {}), r.anonymous);
    EXPECT_EQ(status(r.path, {.bearerToken = "wrong"}), r.badToken);
    EXPECT_EQ(status(r.path, {.bearerToken = "nothing-token"}), r.withoutRight);
    EXPECT_EQ(status(r.path, {.bearerToken = r.rightToken}), r.withRight);
    EXPECT_EQ(status(r.path, {.certFile = admin.certFile, .keyFile = admin.keyFile}), r.adminCert);
    EXPECT_EQ(status(r.path, {.certFile = scraper.certFile, .keyFile = scraper.keyFile}),
              r.scraperCert);
  }
  auto metrics = agent.getTcp("/metrics");
  EXPECT_NE(metrics.body.find("podkeeper_http_auth_refusals_total{reason=\"forbidden\"}"),
            std::string::npos);
  EXPECT_NE(agent.agentLog().find("403 GET /pods from 127.0.0.1:"), std::string::npos);
  EXPECT_NE(agent.agentLog().find(": Forbidden (user=intern groups=[dev,qa,"), std::string::npos);
}

TEST_F(HttpsPort, PodListIsTheUnixSocketsAndThePlainPortHasNone) {
  auto overTls = httpsGetLoopback(uint16_t(port), "/pods",
                                  {.bearerToken = "pods-token", .caFile = pki.caFile()});
  ASSERT_EQ(overTls.status, 200);
  auto local = agent.get("/pods");
  auto names = [](const std::string& body) {
    std::vector<std::string> out;
    for (const auto& item : nlohmann::json::parse(body)["items"])
      out.push_back(item["metadata"]["name"]);
    return out;
  };
  EXPECT_EQ(names(overTls.body), names(local.body));
  EXPECT_EQ(nlohmann::json::parse(overTls.body)["kind"], "PodList");
  EXPECT_EQ(agent.getTcp("/pods").status, 404);
}

TEST_F(HttpsPort, AnEditedTokenFileIsReloadedWithoutARestart) {
  EXPECT_EQ(status("/pods", {.bearerToken = "new-token"}), 401);
  writeTextAtomically(dir.file("tokens.csv"), "new-token,oncall,1\n");
  EXPECT_TRUE(waitFor([&] { return status("/pods", {.bearerToken = "new-token"}) == 200; }, 15s))
      << agent.agentLog();
  EXPECT_EQ(status("/pods", {.bearerToken = "pods-token"}), 401);
}

}  // namespace
}  // namespace podkeeper::e2e
