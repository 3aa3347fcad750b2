#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <boost/asio/io_context.hpp>
#include <cstring>

#include "agent/api/pod_api.h"
#include "common/unique_fd.h"
#include "manifests/identity.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pods.h"

// GET /pods/NS/NAME/attach: the checks before the 101, and the 101 itself (the relay's bytes
// are tested through the real agent in tests/e2e/cli/attach_test.cc).
namespace podkeeper::api {
namespace {

using reconciler::testing::container;

class AttachRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    reconciler::NodePaths paths;
    paths.cgroupRoot = "pk";
    reconciler_ = std::make_unique<reconciler::Reconciler>(runtime_, images_, clock_, paths);
    PodApiOptions options{"192.0.2.10", "node1", "/var/log/pods", [this] { return clock_.now; },
                          true,         {}};
    options.executor = io_.get_executor();
    options.attachSocket = [this](const std::string& uid, const std::string& c) {
      return dir_.file(uid + "-" + c);
    };
    addPodRoutes(router_, *reconciler_, options);
    auto c = container("sh");
    c.tty = true;
    c.stdin = true;
    auto pod = reconciler::testing::pod("shell", {c, container("side")});
    reconciler_->setDesired({{manifests::podKey("default", "shell"), pod}});
    runtime_.nowNs = clock_.now;
    for (const auto& key : reconciler_->keys()) (void)reconciler_->reconcile(key);
  }

  http::HttpResponse attach(const std::string& query, bool upgrade = true) {
    http::HttpRequest r;
    r.method = "GET";
    r.path = "/pods/default/shell/attach";
    r.query = query;
    r.target = r.path + "?" + query;
    if (upgrade) r.headers = {{"upgrade", "podkeeper-attach"}, {"connection", "Upgrade"}};
    return router_.handle(r);
  }

  // A listening SOCK_SEQPACKET socket where the shim of uid-shell/<c> would have it.
  UniqueFd listenAsShim(const std::string& c) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    const std::string path = dir_.file("uid-shell-" + c);
    std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << path;
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    return fd;
  }

  boost::asio::io_context io_;
  support::TempDir dir_{"pk-attach"};
  reconciler::testing::FakeRuntime runtime_;
  reconciler::testing::FakeImageService images_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<reconciler::Reconciler> reconciler_;
  http::Router router_;
};

TEST_F(AttachRoute, WithoutTheUpgradeHeaderIsABadRequestNamingIt) {
  auto r = attach("container=sh", false);
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Upgrade: podkeeper-attach"), std::string::npos) << r.body;
  EXPECT_EQ(r.upgrade, nullptr);
}

TEST_F(AttachRoute, AContainerNotInThePodIsABadRequest) {
  auto r = attach("container=nope");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("container nope is not valid for pod shell"), std::string::npos) << r.body;
}

TEST_F(AttachRoute, NoShimSocketIsAnErrorNamingPodAndContainer) {
  auto r = attach("container=sh");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("cannot attach to default/shell container sh"), std::string::npos)
      << r.body;
}

TEST_F(AttachRoute, ARunningShimIsAnsweredWith101AndTheContainersTtyAndStdin) {
  const auto shim = listenAsShim("sh");
  auto r = attach("");  // the first container, with kubectl's note
  ASSERT_EQ(r.status, 101) << r.body;
  ASSERT_NE(r.upgrade, nullptr);
  EXPECT_EQ(r.header("Upgrade"), "podkeeper-attach");
  EXPECT_EQ(r.header("X-Podkeeper-Container"), "sh");
  EXPECT_EQ(r.header("X-Podkeeper-Tty"), "true");
  EXPECT_EQ(r.header("X-Podkeeper-Stdin"), "true");
  EXPECT_EQ(r.header("X-Podkeeper-Defaulted"), "Defaulted container \"sh\" out of: sh, side");
  r.upgrade->cancel();

  const auto side = listenAsShim("side");
  auto s = attach("container=side");
  ASSERT_EQ(s.status, 101) << s.body;
  EXPECT_EQ(s.header("X-Podkeeper-Tty"), "false");
  EXPECT_EQ(s.header("X-Podkeeper-Defaulted"), "");
  s.upgrade->cancel();
}

}  // namespace
}  // namespace podkeeper::api
