#include "agent/http/http_server.h"

#include <gtest/gtest.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <future>
#include <thread>

#include "agent/http/router.h"
#include "tests/support/server_on_loop.h"
#include "tests/support/temp_dir.h"

// Real loopback sockets against a server on its own loop thread (server_on_loop.h).
namespace podkeeper::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using Response = beast::http::response<beast::http::string_body>;

template <class Socket>
Response roundTrip(Socket& s, const std::string& raw, bool head = false) {
  asio::write(s, asio::buffer(raw));
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.skip(head);
  beast::http::read(s, buf, parser);
  return parser.release();
}

// True when the server closed the connection (read returns EOF or reset).
template <class Socket>
bool closedByServer(Socket& s) {
  char c;
  beast::error_code ec;
  s.read_some(asio::buffer(&c, 1), ec);
  return ec == asio::error::eof || ec == asio::error::connection_reset;
}

class HttpServerTest : public ServerOnLoop {
 protected:
  void SetUp() override {
    router.add("GET", "/healthz", healthz);
    router.add("GET", "/big", [](const HttpRequest&) {
      return HttpResponse::text(200, std::string(100000, 'm'));
    });
    router.add("POST", "/echo",
               [](const HttpRequest& r) { return HttpResponse::text(200, r.body); });
  }
};

constexpr const char* kHealthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

TEST_F(HttpServerTest, ServesHealthzOnAnEphemeralTcpPort) {
  makeServer();
  ASSERT_TRUE(server->listenTcp("127.0.0.1:0"));
  port = server->tcpPort();
  ASSERT_NE(port, 0);
  runLoop();
  auto s = connect();
  Response r = roundTrip(s, kHealthz);
  EXPECT_EQ(r.result_int(), 200);
  EXPECT_EQ(r.body(), "ok");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, ConnectionCloseIsHonoured) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  roundTrip(s, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(closedByServer(s));
}

TEST_F(HttpServerTest, HeadSendsContentLengthWithoutBody) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  Response r = roundTrip(s, "HEAD /big HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_EQ(r[beast::http::field::content_length], "100000");
  EXPECT_TRUE(r.body().empty());
  // The next response on the connection must parse: no stray body bytes were sent.
  EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, GzipOverTheWire) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  Response r = roundTrip(s, "GET /big HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(r[beast::http::field::content_encoding], "gzip");
  EXPECT_LT(r.body().size(), 10000u);
}

// A deferred answer, made later on the loop (here after a timer, as a worker's result
// would come): the connection waits for it, gets it gzip-encoded as asked, a HEAD without its
// body, and keep-alive goes on after it.
TEST_F(HttpServerTest, ADeferredAnswerIsSentWhenItComes) {
  auto timer = std::make_shared<asio::steady_timer>(io);
  router.add("GET", "/later", [timer](const HttpRequest&) {
    HttpResponse r;
    r.deferred = [timer](std::function<void(HttpResponse)> reply) {
      timer->expires_after(std::chrono::milliseconds(50));
      timer->async_wait([reply = std::move(reply)](const boost::system::error_code&) {
        reply(HttpResponse::text(201, std::string(100000, 'l')));
      });
    };
    return r;
  });
  std::vector<std::pair<std::string, int>> seen;
  router.onResponse(
      [&](const std::string& pattern, int status) { seen.emplace_back(pattern, status); });
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  Response r = roundTrip(s, "GET /later HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n");
  EXPECT_EQ(r.result_int(), 201);
  EXPECT_EQ(r[beast::http::field::content_encoding], "gzip");
  EXPECT_LT(r.body().size(), 10000u);
  Response head = roundTrip(s, "HEAD /later HTTP/1.1\r\nHost: x\r\n\r\n", true);
  EXPECT_EQ(head[beast::http::field::content_length], "100000");
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");  // the connection goes on
  std::promise<std::vector<std::pair<std::string, int>>> counted;
  asio::post(io, [&] { counted.set_value(seen); });
  auto got = counted.get_future().get();
  ASSERT_EQ(got.size(), 3u);  // counted when answered, with the answer's status
  EXPECT_EQ(got[0], (std::pair<std::string, int>{"/later", 201}));
  EXPECT_EQ(got[1], (std::pair<std::string, int>{"/later", 201}));
}

// A client that leaves before its deferred answer comes: the answer goes nowhere, the server
// goes on.
TEST_F(HttpServerTest, ADeferredAnswerForAClientThatLeftIsDropped) {
  std::promise<void> asked;
  std::function<void(HttpResponse)> pending;
  router.add("GET", "/later", [&](const HttpRequest&) {
    HttpResponse r;
    r.deferred = [&](std::function<void(HttpResponse)> reply) {
      pending = std::move(reply);
      asked.set_value();
    };
    return r;
  });
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  {
    auto s = connect();
    asio::write(s, asio::buffer(std::string("GET /later HTTP/1.1\r\nHost: x\r\n\r\n")));
    asked.get_future().get();
  }  // closed
  std::promise<void> answered;
  asio::post(io, [&] {
    std::exchange(pending, nullptr)(HttpResponse::text(200, "late"));
    answered.set_value();
  });
  answered.get_future().get();
  auto s = connect();
  EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  std::string raw =
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(9000, 'p') + "\r\n\r\n";
  EXPECT_EQ(roundTrip(s, raw).result_int(), 431);
  EXPECT_TRUE(closedByServer(s));
}

TEST_F(HttpServerTest, OversizedBodyIs413) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  std::string raw =
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(100000, 'b');
  EXPECT_EQ(roundTrip(s, raw).result_int(), 413);
}

TEST_F(HttpServerTest, GarbageIs400) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  EXPECT_EQ(roundTrip(s, "HELLO\r\n\r\n").result_int(), 400);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTheTimeout) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback({.idleTimeout = std::chrono::milliseconds(200)}));
  auto s = connect();
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(closedByServer(s));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(HttpServerTest, SlowClientSendingPartialHeadersIsDropped) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback({.idleTimeout = std::chrono::milliseconds(200)}));
  auto s = connect();
  asio::write(s, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  EXPECT_TRUE(closedByServer(s));
}

TEST_F(HttpServerTest, AtTheLimitTheConnectionWaitingLongestMakesRoom) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback({.maxConnections = 2}));
  auto a = connect();
  auto b = connect();
  // Round trips prove both are accepted sessions before the third arrives.
  ASSERT_EQ(roundTrip(a, kHealthz).body(), "ok");
  ASSERT_EQ(roundTrip(b, kHealthz).body(), "ok");
  auto c = connect();
  EXPECT_EQ(roundTrip(c, kHealthz).body(), "ok");
  EXPECT_TRUE(closedByServer(a));
  EXPECT_EQ(roundTrip(b, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, AtTheLimitWithEveryConnectionBusyANewOneGets503) {
  router.add("GET", "/huge", [](const HttpRequest&) {
    return HttpResponse::text(200, std::string(64u << 20, 'h'));
  });
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback({.maxConnections = 1}));
  auto a = connect();
  // a reads one byte (the answer has begun), then nothing: the server's write of 64 MiB
  // stays in progress (a busy session).
  asio::write(a, asio::buffer(std::string("GET /huge HTTP/1.1\r\nHost: x\r\n\r\n")));
  char first;
  a.read_some(asio::buffer(&first, 1));
  auto c = connect();
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  beast::http::read(c, buf, parser);
  EXPECT_EQ(parser.get().result_int(), 503u);
}

TEST_F(HttpServerTest, AThousandSlowClientsDoNotStopAScrape) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback({.maxConnections = 100}));
  std::vector<tcp::socket> slow;
  for (int i = 0; i < 1000; ++i) {
    slow.push_back(connect());
    // Each sends part of a request line and then stalls (slowloris).
    asio::write(slow.back(), asio::buffer(std::string("GET /healthz HTTP/1.1\r\nX-a: ")));
  }
  auto scrape = connect();
  EXPECT_EQ(roundTrip(scrape, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, StopClosesOpenConnections) {
  ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  auto s = connect();
  ASSERT_EQ(roundTrip(s, kHealthz).body(), "ok");
  asio::post(io, [this] { server->stop(); });
  EXPECT_TRUE(closedByServer(s));
}

TEST_F(HttpServerTest, UnixSocketServesWithTheRequestedMode) {
  makeServer();
  const support::TempDir dir("pk-http-test");
  const std::string path = dir.file("podkeeper.sock");
  ASSERT_TRUE(server->listenUnix(path, 0600));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  runLoop();
  asio::local::stream_protocol::socket s(client);
  s.connect(asio::local::stream_protocol::endpoint(path));
  boundReads(s);
  EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");
  std::promise<void> stopped;
  asio::post(io, [&] {
    server->stop();
    stopped.set_value();
  });
  stopped.get_future().wait();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // socket file removed
}

// Bound elsewhere and renamed into place with its mode set: the socket's name never exists
// with the mode the umask would give a socket created where it lies.
TEST_F(HttpServerTest, UnixSocketArrivesByRenameNeverCreatedInPlace) {
  makeServer();
  const support::TempDir dir("pk-http-test");
  const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  ASSERT_GE(watch, 0);
  ASSERT_GE(::inotify_add_watch(watch, dir.path().c_str(), IN_CREATE | IN_MOVED_TO), 0);
  const mode_t old = ::umask(0);
  const std::string path = dir.file("podkeeper.sock");
  const bool listening = server->listenUnix(path, 0600).has_value();
  ::umask(old);
  ASSERT_TRUE(listening);
  alignas(inotify_event) char buf[4096];
  const ssize_t n = ::read(watch, buf, sizeof buf);
  ::close(watch);
  bool created = false, moved = false;
  for (ssize_t off = 0; off < n;) {
    const auto* e = reinterpret_cast<const inotify_event*>(buf + off);
    if (e->len > 0 && std::string(e->name) == "podkeeper.sock") {
      created = created || (e->mask & IN_CREATE);
      moved = moved || (e->mask & IN_MOVED_TO);
    }
    off += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
  }
  EXPECT_FALSE(created);
  EXPECT_TRUE(moved);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  server->stop();
  EXPECT_EQ(::rmdir(dir.path().c_str()), 0);  // nothing but the socket was left there
}

TEST_F(HttpServerTest, UnixSocketServedByAnotherServerIsNotTakenOver) {
  makeServer();
  const support::TempDir dir("pk-http-test");
  const std::string path = dir.file("podkeeper.sock");
  ASSERT_TRUE(server->listenUnix(path, 0600));
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  HttpServer second(io, router.handler());
  auto r = second.listenUnix(path, 0600);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("another process is serving"), std::string::npos)
      << r.error().message;
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  server->stop();
}

TEST_F(HttpServerTest, ServesOnIpv6Loopback) {
  makeServer();
  if (!server->listenTcp("[::1]:0")) GTEST_SKIP() << "no IPv6 loopback on this machine";
  port = server->tcpPort();
  runLoop();
  tcp::socket s(client);
  s.connect({asio::ip::make_address("::1"), port});
  boundReads(s);
  EXPECT_EQ(roundTrip(s, kHealthz).body(), "ok");
}

TEST_F(HttpServerTest, ListenOnABadAddressNamesIt) {
  makeServer();
  auto r = server->listenTcp("256.0.0.1:80");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("256.0.0.1"), std::string::npos);
}

TEST_F(HttpServerTest, ListenOnABusyPortFails) {
  makeServer();
  ASSERT_TRUE(server->listenTcp("127.0.0.1:0"));
  auto busy = "127.0.0.1:" + std::to_string(server->tcpPort());
  HttpServer other(io, router.handler());
  EXPECT_FALSE(other.listenTcp(busy));
}

}  // namespace
}  // namespace podkeeper::http
