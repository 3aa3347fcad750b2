#include <gtest/gtest.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <thread>

#include "agent/http/http_server.h"
#include "agent/http/router.h"
#include "tests/support/wait_for.h"

// The chunked writer of a Session: a BodyStream's pieces go out as chunks as they come, the
// body ends with the stream, and a client that leaves cancels it.
namespace podkeeper::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Delivers its pieces one per next(), then the end; or, with hold, never answers.
class FakeStream : public BodyStream {
 public:
  explicit FakeStream(std::deque<std::string> pieces, bool hold = false)
      : pieces_(std::move(pieces)), hold_(hold) {}
  void next(std::function<void(std::optional<std::string>)> deliver) override {
    ++asked;
    if (hold_) return;
    if (pieces_.empty()) return deliver(std::nullopt);
    auto piece = std::move(pieces_.front());
    pieces_.pop_front();
    deliver(std::move(piece));
  }
  void cancel() override { cancelled = true; }
  std::atomic<int> asked = 0;
  std::atomic<bool> cancelled = false;

 private:
  std::deque<std::string> pieces_;
  bool hold_;
};

class BodyStreamTest : public ::testing::Test {
 protected:
  void serve(std::shared_ptr<FakeStream> stream) {
    router.add("GET", "/stream", [stream](const HttpRequest&) {
      auto r = HttpResponse::text(200, "first\n");
      r.stream = stream;
      return r;
    });
    server = std::make_unique<HttpServer>(io, router.handler());
    ASSERT_TRUE(server->listenTcp("127.0.0.1:0"));
    port = server->tcpPort();
    loop = std::thread([this] { io.run(); });
  }
  tcp::socket get() {
    tcp::socket s(client);
    s.connect({asio::ip::make_address("127.0.0.1"), port});
    timeval tv{5, 0};
    ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    asio::write(s, asio::buffer(std::string("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")));
    return s;
  }
  void TearDown() override {
    asio::post(io, [this] { server.reset(); });
    guard.reset();
    if (loop.joinable()) loop.join();
  }

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  asio::io_context client;
  Router router;
  std::unique_ptr<HttpServer> server;
  std::thread loop;
  uint16_t port = 0;
};

TEST_F(BodyStreamTest, PiecesAreChunksAndTheBodyEndsWithTheStream) {
  auto stream = std::make_shared<FakeStream>(std::deque<std::string>{"two\n", "three\n"});
  serve(stream);
  auto s = get();
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  beast::http::read(s, buf, parser);
  const auto& res = parser.get();
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.body(), "first\ntwo\nthree\n");
  EXPECT_EQ(stream->asked, 3);
}

TEST_F(BodyStreamTest, AClientThatLeavesCancelsTheStream) {
  auto stream = std::make_shared<FakeStream>(std::deque<std::string>{}, true);
  serve(stream);
  {
    auto s = get();
    beast::flat_buffer buf;
    beast::http::response_parser<beast::http::string_body> parser;
    beast::http::read_header(s, buf, parser);
    EXPECT_TRUE(parser.get().chunked());
    EXPECT_TRUE(support::waitFor([&] { return stream->asked.load() == 1; }, 5s));
    EXPECT_FALSE(stream->cancelled);
  }  // the client closes its socket
  EXPECT_TRUE(support::waitFor([&] { return stream->cancelled.load(); }, 5s));
}

}  // namespace
}  // namespace podkeeper::http
