#include "probe/async_handlers.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>

#include "runtime_fixture.h"

// Probes and hooks on an io_context: exec in the container awaited by the loop, and sockets
// opened in the pod's network namespace.
namespace podkeeper::runtime::testing {
namespace {

using namespace std::chrono_literals;

class AsyncHandlers : public RuntimeFixture {
 protected:
  void SetUp() override {
    RuntimeFixture::SetUp();
    runner_ = std::make_unique<probe::AsioHandlerRunner>(io_, *runtime_);
  }
  void TearDown() override {
    runner_.reset();
    RuntimeFixture::TearDown();
  }

  // Runs the handler on the loop until it answers (or the limit passes: nullopt).
  std::optional<probe::HandlerResult> run(const probe::HandlerSpec& spec,
                                          std::chrono::milliseconds limit = 10s) {
    std::optional<probe::HandlerResult> result;
    runner_->start(spec, [&](probe::HandlerResult r) { result = std::move(r); });
    io_.restart();
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!result && std::chrono::steady_clock::now() < until) io_.run_for(20ms);
    return result;
  }
  probe::HandlerSpec exec(const std::string& uid, std::vector<std::string> command,
                          int64_t timeoutMs = 5000) {
    probe::HandlerSpec s;
    s.kind = probe::HandlerKind::Exec;
    s.sandboxUid = uid;
    s.container = "app";
    s.command = std::move(command);
    s.timeoutMs = timeoutMs;
    return s;
  }
  probe::HandlerSpec connectTo(const std::string& uid, probe::HandlerKind kind, int port,
                               const std::string& path = "/") {
    probe::HandlerSpec s;
    s.kind = kind;
    s.sandboxUid = uid;
    s.container = "app";
    s.port = port;
    s.path = path;
    return s;
  }
  size_t pidsIn(const SandboxSpec& sb) {
    auto pids = cgroups_->pids(sb.cgroupParent + "/app");
    return pids ? pids->size() : 0;
  }
  // A container serving /www on port 8080 with busybox httpd (which listens before it goes to
  // the background, so "ready" means listening).
  SandboxSpec webPod(const std::string& uid) {
    const auto sb = makeSandbox(uid);
    auto spec = container(sb, "app",
                          {"sh", "-c",
                           "mkdir -p /www && echo healthy > /www/ok.txt && "
                           "httpd -p 8080 -h /www && echo ready && exec sleep 3600"});
    start(spec);
    waitForLog(spec, [](const std::string& log) { return log.find("ready") != std::string::npos; });
    return sb;
  }

  boost::asio::io_context io_;
  std::unique_ptr<probe::AsioHandlerRunner> runner_;
};

TEST_F(AsyncHandlers, ExecReportsOutputAndExitCode) {
  const auto sb = makeSandbox("aexec");
  start(container(sb, "app", {"sleep", "30"}));
  auto ok = run(exec(sb.uid, {"sh", "-c", "echo fine; hostname"}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->outcome, probe::HandlerOutcome::Success);
  EXPECT_EQ(ok->message, "fine\npod-host\n");
  auto bad = run(exec(sb.uid, {"sh", "-c", "echo broken >&2; exit 3"}));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->outcome, probe::HandlerOutcome::Failure);
  EXPECT_EQ(bad->message, "broken\n");
  EXPECT_EQ(runner_->running(), 0u);
}

TEST_F(AsyncHandlers, ExecThatTimesOutIsKilledAndReaped) {
  const auto sb = makeSandbox("aexectimeout");
  start(container(sb, "app", {"sleep", "30"}));
  const auto begin = std::chrono::steady_clock::now();
  auto r = run(exec(sb.uid, {"sleep", "20"}, 300));
  ASSERT_TRUE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Failure);
  EXPECT_EQ(r->message, "command \"sleep 20\" timed out after 300ms");
  EXPECT_EQ(pidsIn(sb), 1u);  // only the init is left
}

TEST_F(AsyncHandlers, ExecDoesNotBlockTheLoop) {
  const auto sb = makeSandbox("aexecloop");
  start(container(sb, "app", {"sleep", "30"}));
  int ticks = 0;
  boost::asio::steady_timer timer(io_);
  std::function<void()> tick = [&] {
    timer.expires_after(20ms);
    timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ++ticks;
      tick();
    });
  };
  tick();
  auto r = run(exec(sb.uid, {"sleep", "1"}));
  timer.cancel();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Success);
  // A second of 20 ms ticks while the command ran: the loop kept turning.
  EXPECT_GE(ticks, 20);
}

TEST_F(AsyncHandlers, ExecWhoseBackgroundChildKeepsTheOutputOpenStillCompletes) {
  const auto sb = makeSandbox("aexecbg");
  start(container(sb, "app", {"sleep", "30"}));
  auto r = run(exec(sb.uid, {"sh", "-c", "sleep 20 & echo done"}), 3s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Success);
  EXPECT_EQ(r->message, "done\n");
}

TEST_F(AsyncHandlers, CancelledExecIsKilledAndNeverAnswers) {
  const auto sb = makeSandbox("aexeccancel");
  start(container(sb, "app", {"sleep", "30"}));
  bool answered = false;
  auto id =
      runner_->start(exec(sb.uid, {"sleep", "30"}), [&](probe::HandlerResult) { answered = true; });
  io_.restart();
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (pidsIn(sb) < 3 && std::chrono::steady_clock::now() < until) io_.run_for(20ms);
  ASSERT_GE(pidsIn(sb), 3u);  // init, joiner, command
  runner_->cancel(id);
  const auto gone = std::chrono::steady_clock::now() + 5s;
  while (pidsIn(sb) > 1 && std::chrono::steady_clock::now() < gone) io_.run_for(20ms);
  io_.run_for(100ms);
  EXPECT_EQ(pidsIn(sb), 1u);
  EXPECT_FALSE(answered);
}

TEST_F(AsyncHandlers, ExecInAContainerThatIsNotRunningIsAnError) {
  const auto sb = makeSandbox("aexecgone");
  start(container(sb, "app", {"true"}));
  ASSERT_TRUE(waitForExit(sb.uid, "app").has_value());
  auto r = run(exec(sb.uid, {"true"}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Error);
}

TEST_F(AsyncHandlers, HttpGetAndTcpSocketReachAServerInsideThePod) {
  const auto sb = webPod("ahttp");
  auto tcp = run(connectTo(sb.uid, probe::HandlerKind::TcpSocket, 8080));
  ASSERT_TRUE(tcp);
  EXPECT_EQ(tcp->outcome, probe::HandlerOutcome::Success) << tcp->message;
  auto ok = run(connectTo(sb.uid, probe::HandlerKind::HttpGet, 8080, "/ok.txt"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->outcome, probe::HandlerOutcome::Success) << ok->message;
  EXPECT_EQ(ok->message, "healthy\n");
  auto missing = run(connectTo(sb.uid, probe::HandlerKind::HttpGet, 8080, "/gone.txt"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->outcome, probe::HandlerOutcome::Failure);
  EXPECT_EQ(missing->message, "HTTP probe failed with statuscode: 404");
  auto closed = run(connectTo(sb.uid, probe::HandlerKind::TcpSocket, 8081));
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->outcome, probe::HandlerOutcome::Failure);
  EXPECT_EQ(closed->message, "dial tcp 127.0.0.1:8081: connect: Connection refused");
}

TEST_F(AsyncHandlers, PodSocketDoesNotReachTheHostsLoopback) {
  const auto sb = makeSandbox("ahostlo");
  start(container(sb, "app", {"sleep", "30"}));
  boost::asio::ip::tcp::acceptor host(
      io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const int port = host.local_endpoint().port();
  auto inPod = run(connectTo(sb.uid, probe::HandlerKind::TcpSocket, port));
  ASSERT_TRUE(inPod);
  EXPECT_EQ(inPod->outcome, probe::HandlerOutcome::Failure) << inPod->message;
  auto spec = connectTo(sb.uid, probe::HandlerKind::TcpSocket, port);
  spec.podNetwork = false;  // what a probe with an explicit host does
  auto fromHost = run(spec);
  ASSERT_TRUE(fromHost);
  EXPECT_EQ(fromHost->outcome, probe::HandlerOutcome::Success) << fromHost->message;
}

TEST_F(AsyncHandlers, HttpServerThatNeverAnswersFailsAfterTheTimeout) {
  const auto sb = makeSandbox("ahttphang");
  // nc accepts and then says nothing (its input stays open and empty).
  auto spec = container(sb, "app", {"sh", "-c", "echo ready; sleep 30 | nc -l -p 9090"});
  start(spec);
  waitForLog(spec, [](const std::string& log) { return log.find("ready") != std::string::npos; });
  auto probe = connectTo(sb.uid, probe::HandlerKind::HttpGet, 9090, "/");
  probe.timeoutMs = 300;
  std::optional<probe::HandlerResult> r;
  // Until nc listens: "ready" is echoed before nc starts, and on a loaded machine nc can take
  // over a second to bind.
  for (int attempt = 0; attempt < 200; ++attempt) {
    r = run(probe);
    if (r && r->message.find("refused") == std::string::npos) break;
    io_.run_for(50ms);
  }
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Failure);
  EXPECT_EQ(r->message,
            "Get \"http://127.0.0.1:9090/\": context deadline exceeded (Client.Timeout exceeded "
            "while awaiting headers)");
}

TEST_F(AsyncHandlers, SleepAnswersAfterItsTimeAndNotWhenCancelled) {
  probe::HandlerSpec s;
  s.kind = probe::HandlerKind::Sleep;
  s.sleepMs = 100;
  const auto begin = std::chrono::steady_clock::now();
  auto r = run(s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, probe::HandlerOutcome::Success);
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 100ms);
  bool answered = false;
  auto id = runner_->start(s, [&](probe::HandlerResult) { answered = true; });
  runner_->cancel(id);
  io_.restart();
  io_.run_for(300ms);
  EXPECT_FALSE(answered);
}

}  // namespace
}  // namespace podkeeper::runtime::testing
