#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/api/pod_api.h"
#include "agent/auth/auth_filter.h"
#include "agent/cli/describe_pod.h"
#include "agent/cli/get_pods.h"
#include "agent/cli/logs.h"
#include "agent/cli/pod_commands.h"
#include "agent/http/http_server.h"
#include "agent/http/tls_context.h"
#include "common/background_work.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pki.h"
#include "tests/support/test_pods.h"

// The CLI commands against the real HTTP server on a unix socket, serving the pod API over a
// reconciler driven by the fake runtime.
namespace podkeeper::cli {
namespace {

namespace fs = std::filesystem;
using reconciler::testing::container;

class CliOverSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pk-cli-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    reconciler::NodePaths paths;
    paths.logDir = (dir_ / "logs").string();
    paths.cgroupRoot = "pk";
    reconciler_ = std::make_unique<reconciler::Reconciler>(runtime_, images_, clock_, paths);
    std::map<std::string, manifests::DecodedPod> pods{
        {"default/web", reconciler::testing::pod("web", {container("app")})}};
    reconciler_->setDesired(pods);
    runtime_.nowNs = clock_.now;
    EXPECT_TRUE(reconciler_->reconcile("default/web"));
    api::PodApiOptions routes{
        "192.0.2.10", "node1", (dir_ / "logs").string(), [this] { return clock_.now; }, true, {}};
    routes.executor = io_.get_executor();
    routes.logReads = &reads_;
    api::addPodRoutes(router_, *reconciler_, routes);
    socket_ = (dir_ / "pk.sock").string();
    ASSERT_TRUE(server_.listenUnix(socket_, 0600));
    // The same routes on HTTPS behind the agent's auth chain, for --server.
    pki_ = std::make_unique<support::TestPki>(dir_.string());
    auto entries = auth::parseTokenFile("pods-token,oncall,1\n", "tokens");
    ASSERT_TRUE(entries);
    tokens_ = auth::TokenTable(*entries);
    auth::AuthOptions options;
    options.tokens = [this] { return &tokens_; };
    auto tls = http::makeServerTlsContext({pki_->serverCert(), pki_->serverKey(), pki_->caFile()});
    ASSERT_TRUE(tls);
    ASSERT_TRUE(tlsServer_.listenTls("127.0.0.1:0", *tls));
    server = "https://127.0.0.1:" + std::to_string(tlsServer_.tcpPort());
    secure_ = auth::requireAuth(router_.handler(), std::move(options));
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] {
      server_.stop();
      tlsServer_.stop();
    });
    loop_.join();
    fs::remove_all(dir_);
  }

  fs::path dir_;
  reconciler::testing::FakeRuntime runtime_;
  reconciler::testing::FakeImageService images_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<reconciler::Reconciler> reconciler_;
  http::Router router_;
  boost::asio::io_context io_;
  BackgroundWork reads_{io_, 1};  // container log files
  http::HttpServer server_{io_, router_.handler()};
  std::unique_ptr<support::TestPki> pki_;
  auth::TokenTable tokens_;
  http::Handler secure_;
  http::HttpServer tlsServer_{io_, [this](const http::HttpRequest& r) { return secure_(r); }};
  std::string server;
  std::string socket_;
  std::thread loop_;
};

TEST_F(CliOverSocketTest, GetPodsPrintsTheTable) {
  std::ostringstream out, err;
  GetPodsOptions o;
  o.endpoint.socketPath = socket_;
  EXPECT_EQ(runGetPods(o, out, err), 0) << err.str();
  EXPECT_TRUE(
      out.str().starts_with("NAME   READY   STATUS    RESTARTS   AGE\n"
                            "web    1/1     Running   0          "))
      << out.str();
}

TEST_F(CliOverSocketTest, DescribeOfAnUnknownPodFailsWithTheServersMessage) {
  std::ostringstream out, err;
  DescribePodOptions o;
  o.endpoint.socketPath = socket_;
  o.name = "nope";
  EXPECT_EQ(runDescribePod(o, out, err), 1);
  EXPECT_EQ(err.str(),
            "Error from server (NotFound): pods \"nope\" not found in namespace default\n");
}

TEST_F(CliOverSocketTest, LogsPrintTheTailOfTheCriFileAsPlainText) {
  fs::path logs = dir_ / "logs/default_web_uid-web/app";
  fs::create_directories(logs);
  std::ofstream(logs / "0.log") << "T stdout F one\nT stderr P tw\nT stderr F o\n";
  std::ostringstream out, err;
  LogsOptions o;
  o.endpoint.socketPath = socket_;
  o.name = "web";
  o.tail = 1;
  EXPECT_EQ(runLogs(o, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "two\n");
}

TEST_F(CliOverSocketTest, NoAgentListeningIsAClearError) {
  std::ostringstream out, err;
  GetPodsOptions o;
  o.endpoint.socketPath = (dir_ / "absent.sock").string();
  EXPECT_EQ(runGetPods(o, out, err), 1);
  EXPECT_NE(err.str().find("is podkeeper running?"), std::string::npos) << err.str();
}

TEST_F(CliOverSocketTest, GetPodsCommandLineWithWideOutputAddsIpAndNode) {
  CLI::App app;
  PodCommands commands(app);
  std::vector<std::string> args{socket_, "--socket", "wide", "-o", "pods", "get"};  // reversed
  app.parse(args);
  ASSERT_TRUE(commands.parsed());
  std::ostringstream out, err;
  EXPECT_EQ(commands.run(out, err), 0) << err.str();
  EXPECT_NE(out.str().find("192.0.2.10   node1\n"), std::string::npos) << out.str();
}

TEST_F(CliOverSocketTest, LogsCommandLineTakesContainerAndTail) {
  fs::path logs = dir_ / "logs/default_web_uid-web/app";
  fs::create_directories(logs);
  std::ofstream(logs / "0.log") << "T stdout F one\nT stdout F two\n";
  CLI::App app;
  PodCommands commands(app);
  std::vector<std::string> args{socket_, "--socket", "1", "--tail", "app", "-c", "web", "logs"};
  app.parse(args);
  std::ostringstream out, err;
  EXPECT_EQ(commands.run(out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "two\n");
}

TEST_F(CliOverSocketTest, GetPodsOverHttpsWithATokenOrAClientCertificate) {
  std::ostringstream out, err;
  GetPodsOptions o;
  o.endpoint.server = server;
  o.endpoint.token = "pods-token";
  o.endpoint.caFile = pki_->caFile();
  EXPECT_EQ(runGetPods(o, out, err), 0) << err.str();
  EXPECT_TRUE(out.str().find("web    1/1     Running") != std::string::npos) << out.str();
  auto cert = pki_->client("admin", {"ops"});
  GetPodsOptions withCert;
  withCert.endpoint.server = server;
  withCert.endpoint.certFile = cert.certFile;
  withCert.endpoint.keyFile = cert.keyFile;
  withCert.endpoint.insecureSkipTlsVerify = true;
  std::ostringstream out2;
  EXPECT_EQ(runGetPods(withCert, out2, err), 0) << err.str();
  EXPECT_EQ(out2.str().substr(0, 4), "NAME");
}

TEST_F(CliOverSocketTest, DescribeOverHttpsReadsTheTokenFromAFile) {
  std::ofstream(dir_ / "token") << "pods-token\n";
  DescribePodOptions o;
  o.endpoint.server = server;
  o.endpoint.tokenFile = (dir_ / "token").string();
  o.endpoint.caFile = pki_->caFile();
  o.name = "web";
  std::ostringstream out, err;
  EXPECT_EQ(runDescribePod(o, out, err), 0) << err.str();
  EXPECT_TRUE(out.str().starts_with("Name:")) << out.str();
}

TEST_F(CliOverSocketTest, HttpsRefusalsAndUntrustedServersAreClearErrors) {
  GetPodsOptions o;
  o.endpoint.server = server;
  o.endpoint.caFile = pki_->caFile();
  o.endpoint.token = "wrong";
  std::ostringstream out, err;
  EXPECT_EQ(runGetPods(o, out, err), 1);
  EXPECT_NE(err.str().find("Unauthorized"), std::string::npos) << err.str();
  GetPodsOptions untrusted;
  untrusted.endpoint.server = server;
  untrusted.endpoint.token = "pods-token";
  std::ostringstream err2;
  EXPECT_EQ(runGetPods(untrusted, out, err2), 1);  // system CAs do not know the test CA
  EXPECT_NE(err2.str().find("TLS with https://127.0.0.1:"), std::string::npos) << err2.str();
}

TEST_F(CliOverSocketTest, LogsOverHttpsAreReadByTheAgent) {
  fs::path logs = dir_ / "logs/default_web_uid-web/app";
  fs::create_directories(logs);
  std::ofstream(logs / "0.log") << "T stdout F one\nT stderr P tw\nT stderr F o\n";
  LogsOptions o;
  o.endpoint.server = server;
  o.endpoint.token = "pods-token";
  o.endpoint.caFile = pki_->caFile();
  o.name = "web";
  std::ostringstream out, err;
  EXPECT_EQ(runLogs(o, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "one\ntwo\n");
  o.tail = 1;
  std::ostringstream tail;
  EXPECT_EQ(runLogs(o, tail, err), 0) << err.str();
  EXPECT_EQ(tail.str(), "two\n");
  o.container = "nope";
  std::ostringstream none, err2;
  EXPECT_EQ(runLogs(o, none, err2), 1);
  EXPECT_EQ(err2.str(),
            "Error from server (BadRequest): container nope is not valid for pod web\n");
}

TEST(ServerUrl, HostAndPortWithTheKubeletsDefault) {
  EXPECT_EQ(parseServerUrl("https://node-a")->port, "10250");
  EXPECT_EQ(parseServerUrl("https://node-a:8443")->host, "node-a");
  EXPECT_EQ(parseServerUrl("https://[fd00::1]:10250")->host, "fd00::1");
  EXPECT_EQ(parseServerUrl("https://10.0.0.5:1/")->port, "1");
  EXPECT_FALSE(parseServerUrl("http://node-a:10255"));
  EXPECT_FALSE(parseServerUrl("https://node-a:x"));
}

}  // namespace
}  // namespace podkeeper::cli
