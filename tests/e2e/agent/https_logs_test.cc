#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"
#include "tests/support/http_get.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/text.h"

// GET /containerLogs/<namespace>/<pod>/<container> through the real agent: on the HTTPS port
// behind the `log` right, on the unix socket, never on the plain port.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using support::HttpsCredentials;
using support::httpsGetLoopback;

using support::freeLoopbackPort;
using support::writeTextAtomically;

constexpr const char* kLogs = "/containerLogs/default/web/app";

class HttpsLogs : public ::testing::Test {
 protected:
  void SetUp() override {
    writeTextAtomically(dir.file("tokens.csv"), "log-token,oncall,1\npods-token,viewer,2\n");
    writeTextAtomically(dir.file("policy.yaml"),
                        "rules:\n- users: [oncall]\n  resources: [log]\n"
                        "- users: [viewer]\n  resources: [pods]\n");
    port = freeLoopbackPort();
    agent.start({"--port", std::to_string(port), "--address", "127.0.0.1", "--client-ca-file",
                 pki.caFile(), "--tls-cert-file", pki.serverCert(), "--tls-private-key-file",
                 pki.serverKey(), "--token-auth-file", dir.file("tokens.csv"),
                 "--authorization-policy-file", dir.file("policy.yaml")});
    ASSERT_EQ(agent.securePort(), port) << agent.agentLog();
    PodYaml pod;
    pod.script =
        "echo first; echo second; n=0; while true; do n=$$((n+1)); echo tick $$n; "
        "sleep 1; done";
    agent.dropManifest("web.yaml", pod.str());
    ASSERT_TRUE(waitFor(
        [&] { return get(kLogs, "log-token").body.find("tick 1\n") != std::string::npos; }, 20s))
        << agent.agentLog();
  }
  support::HttpResult get(const std::string& path, const std::string& token) {
    return httpsGetLoopback(uint16_t(port), path, {.bearerToken = token, .caFile = pki.caFile()});
  }

  support::TempDir dir{"pk-https-logs"};
  support::TestPki pki{dir.path()};
  AgentHarness agent;
  int port = 0;
};

TEST_F(HttpsLogs, TheLogRightReadsTheLinesOthersAreRefused) {
  auto r = get(kLogs, "log-token");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body.rfind("first\nsecond\ntick 1\n", 0), 0u) << r.body;
  EXPECT_EQ(get(kLogs, "pods-token").status, 403);
  EXPECT_EQ(get(kLogs, "").status, 401);
  EXPECT_EQ(agent.getTcp(kLogs).status, 404);
  auto local = agent.get(kLogs);
  EXPECT_EQ(local.status, 200);
  EXPECT_EQ(local.body.rfind("first\nsecond\n", 0), 0u) << local.body;
}

TEST_F(HttpsLogs, QueryParametersShapeTheOutput) {
  auto tail = get(std::string(kLogs) + "?tailLines=1", "log-token");
  ASSERT_EQ(tail.status, 200);
  EXPECT_EQ(tail.body.rfind("tick ", 0), 0u) << tail.body;
  EXPECT_EQ(std::count(tail.body.begin(), tail.body.end(), '\n'), 1);
  auto stamped = get(std::string(kLogs) + "?timestamps=true&limitBytes=40", "log-token");
  ASSERT_EQ(stamped.status, 200);
  EXPECT_EQ(stamped.body.size(), 40u);
  EXPECT_NE(stamped.body.find("Z first\n"), std::string::npos) << stamped.body;
  EXPECT_EQ(get(std::string(kLogs) + "?tailLines=x", "log-token").status, 400);
  EXPECT_EQ(get("/containerLogs/default/web/nope", "log-token").status, 400);
  EXPECT_EQ(get("/containerLogs/default/missing/app", "log-token").status, 404);
}

// A container that keeps writing: the follower gets each new tick as it is written, and the
// stream ends when the pod is deleted.
TEST_F(HttpsLogs, FollowStreamsNewLinesUntilThePodIsDeleted) {
  std::mutex mu;
  std::string seen;
  std::atomic<bool> ended = false;
  int status = -1;
  std::thread reader([&] {
    auto r = support::httpsStreamLoopback(
        uint16_t(port), std::string(kLogs) + "?follow=true&tailLines=1",
        {.bearerToken = "log-token", .caFile = pki.caFile()}, [&](std::string_view bytes) {
          std::lock_guard lock(mu);
          seen += bytes;
        });
    status = r.status;
    ended = true;
  });
  auto ticks = [&] {
    std::lock_guard lock(mu);
    return std::count(seen.begin(), seen.end(), '\n');
  };
  EXPECT_TRUE(waitFor([&] { return ticks() >= 3; }, 20s)) << seen;
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(seen.rfind("tick ", 0), 0u) << seen;
    EXPECT_EQ(seen.find("first"), std::string::npos) << seen;  // tailLines=1
  }
  EXPECT_FALSE(ended);
  agent.removeManifest("web.yaml");
  EXPECT_TRUE(waitFor([&] { return ended.load(); }, 30s)) << agent.agentLog();
  if (!ended) agent.stop();  // ends the stream, so the thread can be joined
  reader.join();
  EXPECT_EQ(status, 200);
  EXPECT_NE(agent.agentLog().find("follows default/web container app"), std::string::npos);
  EXPECT_NE(agent.agentLog().find("its follow stream ends"), std::string::npos);
}

// The CLI on another machine: podkeeper logs -f --server prints the lines as they come and
// exits when the pod is deleted.
TEST_F(HttpsLogs, CliFollowsOverTheServerUntilThePodIsDeleted) {
  const std::string cmd =
      std::string(PK_AGENT_PATH) +
      " logs web -f --tail 1 --server https://127.0.0.1:" + std::to_string(port) +
      " --token log-token --ca " + pki.caFile() + " 2>&1";
  FILE* cli = ::popen(cmd.c_str(), "r");
  ASSERT_NE(cli, nullptr);
  std::mutex mu;
  std::vector<std::string> lines;
  std::atomic<bool> ended = false;
  std::thread reader([&] {
    char buf[512];
    while (std::fgets(buf, sizeof buf, cli)) {
      std::lock_guard lock(mu);
      lines.emplace_back(buf);
    }
    ended = true;
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return lines.size();
  };
  EXPECT_TRUE(waitFor([&] { return count() >= 3; }, 20s));
  {
    std::lock_guard lock(mu);
    for (const auto& line : lines) EXPECT_EQ(line.rfind("tick ", 0), 0u) << line;
  }
  agent.removeManifest("web.yaml");
  EXPECT_TRUE(waitFor([&] { return ended.load(); }, 30s)) << agent.agentLog();
  if (!ended) agent.stop();
  reader.join();
  EXPECT_EQ(::pclose(cli), 0);
}

TEST_F(HttpsLogs, FollowIsRefusedWithoutTheLogRight) {
  EXPECT_EQ(get(std::string(kLogs) + "?follow=true", "pods-token").status, 403);
  EXPECT_EQ(get(std::string(kLogs) + "?follow=true", "").status, 401);
}

}  // namespace
}  // namespace podkeeper::e2e
