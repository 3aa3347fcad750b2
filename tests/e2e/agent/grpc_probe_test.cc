#include <fcntl.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"

// grpc probes through the real agent: a gRPC server (gRPC's own health service) started by the
// test inside a real pod's network namespace, reached by the pod's readiness probe, which the
// agent runs from inside that namespace. Serving, not serving, an unknown service, a timeout.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr int kPort = 50051;

// Runs f on a thread that joined the network namespace pinned at nsPath (sockets made there
// stay in it).
template <class F>
void inNetns(const std::string& nsPath, F f) {
  std::thread t([&] {
    const int fd = ::open(nsPath.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << nsPath;
    ASSERT_EQ(::setns(fd, CLONE_NEWNET), 0) << nsPath;
    ::close(fd);
    f();
  });
  t.join();
}

class GrpcProbes : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }
  void TearDown() override {
    if (server) server->Shutdown(std::chrono::system_clock::now() + 1s);
    if (silent >= 0) ::close(silent);
  }

  // A pod whose readiness probe asks service on kPort every second; waits until it runs.
  void startPod(const std::string& name, const std::string& service) {
    agent.dropManifest(name + ".yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                                           ", uid: " + name +
                                           "-uid}\nspec:\n  terminationGracePeriodSeconds: 1\n"
                                           "  containers:\n  - name: app\n    image: busybox\n"
                                           "    command: [sleep, '3600']\n    readinessProbe:\n"
                                           "      grpc: {port: " +
                                           std::to_string(kPort) + ", service: '" + service +
                                           "'}\n      periodSeconds: 1\n      failureThreshold: "
                                           "1\n");
    ASSERT_TRUE(waitFor([&] { return running(name); }, 20s)) << agent.agentLog();
    netns = agent.stateDir() + "/pods/" + name + "-uid/ns/net";
  }
  void startServer() {
    inNetns(netns, [&] {
      grpc::EnableDefaultHealthCheckService(true);
      grpc::ServerBuilder builder;
      builder.AddListeningPort("127.0.0.1:" + std::to_string(kPort),
                               grpc::InsecureServerCredentials());
      builder.RegisterCallbackGenericService(&generic);
      server = builder.BuildAndStart();
    });
    ASSERT_TRUE(server);
    server->GetHealthCheckService()->SetServingStatus("app", true);
    server->GetHealthCheckService()->SetServingStatus("sick", false);
  }

  json pod(const std::string& name) {
    auto r = agent.get("/pods/default/" + name);
    return r.status == 200 ? json::parse(r.body, nullptr, false) : json();
  }
  bool running(const std::string& name) {
    json p = pod(name);
    return p.is_object() && p["status"].value("phase", "") == "Running";
  }
  std::string ready(const std::string& name) {
    json p = pod(name);
    if (!p.is_object()) return "";
    for (const auto& c : p["status"]["conditions"])
      if (c["type"] == "Ready") return c["status"].get<std::string>();
    return "";
  }
  bool event(const std::string& name, const std::string& text) {
    auto r = agent.get("/pods/default/" + name + "/events");
    return r.status == 200 && r.body.find(text) != std::string::npos;
  }
  std::string debug(const std::string& name) {
    return agent.get("/pods/default/" + name + "/events").body + "\n" + agent.agentLog();
  }

  AgentHarness agent;
  std::string netns;
  grpc::CallbackGenericService generic;
  std::unique_ptr<grpc::Server> server;
  int silent = -1;
};

TEST_F(GrpcProbes, AServingServiceMakesThePodReadyAndNotServingUnready) {
  startPod("gserve", "app");
  EXPECT_TRUE(waitFor([&] { return event("gserve", "timeout: failed to connect service"); }, 10s))
      << debug("gserve");  // nothing listens yet
  startServer();
  ASSERT_TRUE(waitFor([&] { return ready("gserve") == "True"; }, 10s)) << debug("gserve");
  server->GetHealthCheckService()->SetServingStatus("app", false);
  ASSERT_TRUE(waitFor([&] { return ready("gserve") == "False"; }, 10s)) << debug("gserve");
  EXPECT_TRUE(event("gserve",
                    "Readiness probe failed: service unhealthy (responded with "
                    "\\\"NOT_SERVING\\\")"))
      << debug("gserve");
}

TEST_F(GrpcProbes, AnUnknownServiceFailsWithNotFound) {
  startPod("gunknown", "nobody");
  startServer();
  ASSERT_TRUE(waitFor(
      [&] {
        return event("gunknown",
                     "Readiness probe failed: error: health rpc probe failed: rpc error: code = "
                     "NotFound");
      },
      10s))
      << debug("gunknown");
  EXPECT_NE(ready("gunknown"), "True");
}

TEST_F(GrpcProbes, AServerThatNeverAnswersTimesOut) {
  startPod("gsilent", "app");
  inNetns(netns, [&] {
    silent = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(kPort);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(silent, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    ASSERT_EQ(::listen(silent, 16), 0);  // never accepted: nobody speaks HTTP/2
  });
  ASSERT_TRUE(waitFor(
      [&] {
        return event("gsilent",
                     "Readiness probe failed: timeout: health rpc did not complete within 1s");
      },
      15s))
      << debug("gsilent");
  EXPECT_NE(ready("gsilent"), "True");
}

}  // namespace
}  // namespace podkeeper::e2e
