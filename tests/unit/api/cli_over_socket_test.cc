#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/api/pod_api.h"
#include "agent/cli/describe_pod.h"
#include "agent/cli/get_pods.h"
#include "agent/cli/logs.h"
#include "agent/cli/pod_commands.h"
#include "agent/http/http_server.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
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
    api::addPodRoutes(
        router_, *reconciler_,
        {"192.0.2.10", "node1", (dir_ / "logs").string(), [this] { return clock_.now; }, true, {}});
    socket_ = (dir_ / "pk.sock").string();
    ASSERT_TRUE(server_.listenUnix(socket_, 0600));
    loop_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] { server_.stop(); });
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
  http::HttpServer server_{io_, router_.handler()};
  std::string socket_;
  std::thread loop_;
};

TEST_F(CliOverSocketTest, GetPodsPrintsTheTable) {
  std::ostringstream out, err;
  GetPodsOptions o;
  o.socketPath = socket_;
  EXPECT_EQ(runGetPods(o, out, err), 0) << err.str();
  EXPECT_TRUE(
      out.str().starts_with("NAME   READY   STATUS    RESTARTS   AGE\n"
                            "web    1/1     Running   0          "))
      << out.str();
}

TEST_F(CliOverSocketTest, DescribeOfAnUnknownPodFailsWithTheServersMessage) {
  std::ostringstream out, err;
  EXPECT_EQ(runDescribePod({socket_, "default", "nope"}, out, err), 1);
  EXPECT_EQ(err.str(),
            "Error from server (NotFound): pods \"nope\" not found in namespace default\n");
}

TEST_F(CliOverSocketTest, LogsPrintTheTailOfTheCriFileAsPlainText) {
  fs::path logs = dir_ / "logs/default_web_uid-web/app";
  fs::create_directories(logs);
  std::ofstream(logs / "0.log") << "T stdout F one\nT stderr P tw\nT stderr F o\n";
  std::ostringstream out, err;
  LogsOptions o;
  o.socketPath = socket_;
  o.name = "web";
  o.tail = 1;
  EXPECT_EQ(runLogs(o, out, err), 0) << err.str();
  EXPECT_EQ(out.str(), "two\n");
}

TEST_F(CliOverSocketTest, NoAgentListeningIsAClearError) {
  std::ostringstream out, err;
  GetPodsOptions o;
  o.socketPath = (dir_ / "absent.sock").string();
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

}  // namespace
}  // namespace podkeeper::cli
