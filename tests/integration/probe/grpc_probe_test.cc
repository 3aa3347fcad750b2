#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <optional>

#include "probe/async_handlers.h"
#include "tests/support/fake_runtime.h"

// grpc probes run by the AsioHandlerRunner against a real gRPC server (gRPC's own health
// service) on loopback: serving, not serving, an unknown service, a server that never answers,
// a closed port. The server runs on gRPC's threads; the probe's call on BackgroundWork.
namespace podkeeper::probe {
namespace {

using namespace std::chrono_literals;

class GrpcProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    // A server needs one service of its own besides health (any other call: UNIMPLEMENTED).
    builder.RegisterCallbackGenericService(&generic);
    server = builder.BuildAndStart();
    ASSERT_TRUE(server);
    ASSERT_GT(port, 0);
    server->GetHealthCheckService()->SetServingStatus("up", true);
    server->GetHealthCheckService()->SetServingStatus("down", false);
  }
  void TearDown() override {
    if (server) server->Shutdown(std::chrono::system_clock::now() + 1s);
  }

  std::optional<HandlerResult> run(const HandlerSpec& spec) {
    std::optional<HandlerResult> result;
    runner.start(spec, [&](HandlerResult r) { result = std::move(r); });
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!result && std::chrono::steady_clock::now() < until) io.run_for(20ms);
    return result;
  }
  HandlerSpec grpcSpec(const std::string& service, int p = 0) {
    HandlerSpec s;
    s.kind = HandlerKind::Grpc;
    s.podNetwork = false;
    s.address = "127.0.0.1";
    s.port = p ? p : port;
    s.grpcService = service;
    return s;
  }

  boost::asio::io_context io;
  // The loop stays runnable between probes (the gRPC server does not run on it).
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> busy{io.get_executor()};
  reconciler::testing::FakeRuntime runtime;
  AsioHandlerRunner runner{io, runtime};
  int port = 0;
  grpc::CallbackGenericService generic;
  std::unique_ptr<grpc::Server> server;
};

TEST_F(GrpcProbe, AServingServicePasses) {
  for (const std::string service : {"", "up"}) {
    auto r = run(grpcSpec(service));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->outcome, HandlerOutcome::Success) << service << ": " << r->message;
    EXPECT_EQ(r->message, "service healthy");
  }
}

TEST_F(GrpcProbe, ANotServingServiceFails) {
  auto r = run(grpcSpec("down"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(r->message, "service unhealthy (responded with \"NOT_SERVING\")");
  server->GetHealthCheckService()->SetServingStatus("down", true);
  r = run(grpcSpec("down"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Success) << r->message;
}

TEST_F(GrpcProbe, AnUnknownServiceFailsWithTheServersNotFound) {
  auto r = run(grpcSpec("nobody"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(
      r->message.rfind("error: health rpc probe failed: rpc error: code = NotFound desc = ", 0), 0u)
      << r->message;
}

TEST_F(GrpcProbe, AServerThatNeverAnswersFailsAtTheTimeout) {
  // Listening, never accepting: the kernel completes the connect, nobody speaks HTTP/2.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto spec = grpcSpec("", silent.local_endpoint().port());
  spec.timeoutMs = 1000;
  const auto started = std::chrono::steady_clock::now();
  auto r = run(spec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(r->message, "timeout: health rpc did not complete within 1s");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(GrpcProbe, AClosedPortFailsAsTheKubeletsDialTimeout) {
  boost::asio::ip::tcp::acceptor closed(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const int p = closed.local_endpoint().port();
  closed.close();
  auto r = run(grpcSpec("", p));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(r->message, "timeout: failed to connect service \"127.0.0.1:" + std::to_string(p) +
                            "\" within 1s: context deadline exceeded");
}

TEST_F(GrpcProbe, ACancelledProbeNeverAnswers) {
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  bool answered = false;
  auto id = runner.start(grpcSpec("", silent.local_endpoint().port()),
                         [&](HandlerResult) { answered = true; });
  io.run_for(100ms);
  runner.cancel(id);
  io.run_for(1500ms);
  EXPECT_FALSE(answered);
  EXPECT_EQ(runner.running(), 0u);
}

}  // namespace
}  // namespace podkeeper::probe
