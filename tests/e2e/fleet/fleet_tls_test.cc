// etcd over TLS with client-certificate auth (Debian's etcd-server with --client-cert-auth
// and peer TLS, three members for the working case and one for the failures, certificates from
// tests/support/test_pki): an agent with the right certificates runs pods from etcd and the fleet
// view reads them; with no client certificate, a CA that did not sign etcd's certificate, or no
// --etcd-cacert (the system CAs do not trust the test CA), the agent logs one error naming the
// endpoint and the reason, keeps its pods (the directory's and the last good etcd set) and retries;
// a certificate file that is not there stops `podkeeper run` at start-up with the flag and the file
// named.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <thread>

#include "tests/e2e/fleet/fleet_support.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_etcd.h"
#include "tests/support/test_pki.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

class FleetTls : public ::testing::Test {
 protected:
  virtual int members() const { return 1; }
  void SetUp() override {
    client = pki.client("podkeeper", {});
    etcd = std::make_unique<support::TestEtcd>(
        dir.path(), members(),
        support::TestEtcdTls{pki.caFile(), pki.serverCert(), pki.serverKey(), client.certFile,
                             client.keyFile});
  }
  std::vector<std::string> agentFlags(const std::vector<std::string>& tls) const {
    std::vector<std::string> f{
        "--etcd-endpoints", etcd->endpoints(), "--etcd-prefix", "/pk", "--node-name", "t1"};
    f.insert(f.end(), tls.begin(), tls.end());
    return f;
  }
  std::vector<std::string> goodTls() const {
    return {"--etcd-cacert", pki.caFile(), "--etcd-cert",
            client.certFile, "--etcd-key", client.keyFile};
  }
  std::string cliFlags() const {
    return "--etcd-endpoints " + etcd->endpoints() + " --etcd-prefix /pk --etcd-cacert " +
           pki.caFile() + " --etcd-cert " + client.certFile + " --etcd-key " + client.keyFile;
  }
  void put(const std::string& key, const std::string& value) {
    std::ofstream(dir.file("value")) << value;
    etcd->ctl("put " + key + " < " + dir.file("value"));
  }
  pid_t init(const PodYaml& p) { return initPid(agent.memoryCgroupDir(p.cgroup())); }

  support::TempDir dir{"pk-fleet-tls"};
  support::TestPki pki{dir.path()};
  support::TestPki::Client client;
  std::unique_ptr<support::TestEtcd> etcd;
  AgentHarness agent;
};

// Three members: their peers speak TLS to each other with client certificates too.
class FleetTlsCluster : public FleetTls {
  int members() const override { return 3; }
};

TEST_F(FleetTlsCluster, TheRightCertificatesRunPodsFromEtcdAndTheFleetViewReadsThem) {
  agent.start(agentFlags(goodTls()));
  auto web = fleetPod("web");
  put("/pk/all/pods/default_web", web.str());
  ASSERT_TRUE(waitFor([&] { return podRunning(agent, "web"); }, 60s, 50ms)) << agent.agentLog();
  // The status the node wrote over TLS, read back over TLS.
  support::CommandResult view;
  ASSERT_TRUE(waitFor(
      [&] {
        view = fleetCli("get pods -o wide", cliFlags());
        return view.exitCode == 0 && view.output.find("web") != std::string::npos &&
               view.output.find("t1") != std::string::npos;
      },
      20s, 200ms))
      << view.output;
  auto nodes = fleetCli("get nodes", cliFlags());
  EXPECT_NE(nodes.output.find("t1"), std::string::npos) << nodes.output;
  // The CLI without a client certificate: refused by etcd, and it says where and why.
  auto refused = fleetCli("get pods", "--etcd-endpoints " + etcd->endpoints() +
                                          " --etcd-prefix /pk --etcd-cacert " + pki.caFile());
  EXPECT_NE(refused.exitCode, 0) << refused.output;
  EXPECT_NE(refused.output.find("etcd https://127.0.0.1:"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("it may ask for a client certificate"), std::string::npos)
      << refused.output;
}

TEST_F(FleetTls, BadCertificatesKeepThePodsLogOneErrorAndRetry) {
  auto fromEtcd = fleetPod("frometcd"), local = fleetPod("local");
  agent.start(agentFlags(goodTls()));
  agent.dropManifest("local.yaml", local.str());
  put("/pk/nodes/t1/pods/default_frometcd", fromEtcd.str());
  ASSERT_TRUE(waitFor([&] { return podRunning(agent, "frometcd") && podRunning(agent, "local"); },
                      60s, 50ms))
      << agent.agentLog();
  const pid_t etcdInit = init(fromEtcd), localInit = init(local);
  ASSERT_GT(etcdInit, 0);
  ASSERT_GT(localInit, 0);

  struct Case {
    std::string what;
    std::vector<std::string> tls;
    std::string reason;  // in the error line
  };
  const std::vector<Case> cases{
      {"no client certificate",
       {"--etcd-cacert", pki.caFile()},
       "it may ask for a client certificate (--etcd-cert, --etcd-key)"},
      {"a CA that did not sign etcd's certificate",
       {"--etcd-cacert", dir.file("other-ca.crt"), "--etcd-cert", client.certFile, "--etcd-key",
        client.keyFile},
       "certificate verify failed (gRPC code 14); etcd's certificate is not signed by "
       "--etcd-cacert " +
           dir.file("other-ca.crt")},
      {"no --etcd-cacert (system CAs)",
       {"--etcd-cert", client.certFile, "--etcd-key", client.keyFile},
       "etcd's certificate is not trusted by the system CAs (--etcd-cacert)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    agent.stop();
    const size_t logFrom = agent.agentLog().size();
    const size_t rejectedBefore = count(etcd->log(0), "rejected connection");
    agent.start(agentFlags(c.tls));
    auto since = [&] { return agent.agentLog().substr(logFrom); };
    const std::string errorLine = "etcd source: etcd " + etcd->endpoints();
    ASSERT_TRUE(waitFor([&] { return since().find(errorLine) != std::string::npos; }, 30s, 100ms))
        << since();
    // etcd sees the agent come back (it retries with back-off) while the pods run on.
    ASSERT_TRUE(
        waitFor([&] { return count(etcd->log(0), "rejected connection") >= rejectedBefore + 3; },
                30s, 200ms))
        << etcd->log(0);
    EXPECT_TRUE(podRunning(agent, "frometcd"));
    EXPECT_TRUE(podRunning(agent, "local"));
    EXPECT_EQ(init(fromEtcd), etcdInit);
    EXPECT_EQ(init(local), localInit);
    // One error, not one per retry.
    auto log = since();
    EXPECT_EQ(count(log, errorLine), 1u) << log;
    auto at = log.find(errorLine);
    const std::string line = log.substr(at, log.find('\n', at) - at);
    EXPECT_NE(line.find(c.reason), std::string::npos) << line;
    std::printf("%s: %s\n", c.what.c_str(), line.c_str());
  }
  // A change made while the agent could not read etcd arrives once the certificates are right.
  auto late = fleetPod("late");
  put("/pk/all/pods/default_late", late.str());
  agent.stop();
  agent.start(agentFlags(goodTls()));
  ASSERT_TRUE(waitFor([&] { return podRunning(agent, "late"); }, 60s, 50ms)) << agent.agentLog();
  EXPECT_EQ(init(fromEtcd), etcdInit);
  EXPECT_EQ(init(local), localInit);
}

TEST_F(FleetTls, AMissingOrUnreadableCertificateFileStopsTheAgentAtStartUp) {
  std::ofstream(dir.file("not-pem.crt")) << "not a certificate\n";
  struct Case {
    std::string flags, expected;
  };
  const std::vector<Case> cases{
      {"--etcd-cert " + dir.file("missing.crt") + " --etcd-key " + client.keyFile,
       "--etcd-cert " + dir.file("missing.crt") + ": No such file or directory"},
      {"--etcd-cert " + client.certFile + " --etcd-key " + dir.path(),
       "--etcd-key " + dir.path() + ": not a regular file"},
      {"--etcd-cacert " + dir.file("not-pem.crt"),
       "--etcd-cacert " + dir.file("not-pem.crt") + ": no PEM block"},
  };
  for (const auto& c : cases) {
    // Checked before anything is created: the state dirs named here are never made.
    auto r = support::runShell(std::string(PK_AGENT_PATH) + " run --etcd-endpoints " +
                               etcd->endpoints() + " " + c.flags + " --state-dir " +
                               dir.file("never") + " 2>&1");
    EXPECT_NE(r.exitCode, 0) << r.output;
    EXPECT_NE(r.output.find(c.expected), std::string::npos) << r.output;
  }
}

}  // namespace
}  // namespace podkeeper::e2e
