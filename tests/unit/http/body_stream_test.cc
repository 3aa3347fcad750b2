#include <gtest/gtest.h>
#include <sys/time.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <future>
#include <thread>

#include "agent/http/http_server.h"
#include "agent/http/router.h"
#include "tests/support/server_on_loop.h"
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

// A body that never ends, 64 KiB a piece, as fast as the writes go.
class EndlessStream : public BodyStream {
 public:
  static constexpr size_t kPiece = 64 * 1024;
  void next(std::function<void(std::optional<std::string>)> deliver) override {
    ++asked;
    deliver(std::string(kPiece, 'x'));
  }
  void cancel() override { cancelled = true; }
  std::atomic<int> asked = 0;
  std::atomic<bool> cancelled = false;
};

class BodyStreamTest : public ServerOnLoop {
 protected:
  void serve(std::shared_ptr<BodyStream> stream, HttpServerLimits limits = {}) {
    router.add("GET", "/stream", [stream](const HttpRequest&) {
      auto r = HttpResponse::text(200, "first\n");
      r.stream = stream;
      return r;
    });
    serveOnLoopback(limits);
  }
  tcp::socket get() {
    auto s = connect();
    asio::write(s, asio::buffer(std::string("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")));
    return s;
  }
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

TEST_F(BodyStreamTest, AClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  auto stream = std::make_shared<EndlessStream>();
  ASSERT_NO_FATAL_FAILURE(serve(stream, {.streamWriteTimeout = 300ms}));
  auto s = get();  // and never reads
  EXPECT_TRUE(support::waitFor([&] { return stream->cancelled.load(); }, 10s));
  // What was produced is what the socket buffers took, one piece at a time.
  EXPECT_LT(static_cast<size_t>(stream->asked.load()) * EndlessStream::kPiece, 64u << 20);
  EXPECT_TRUE(support::waitFor(
      [&] {
        std::promise<size_t> active;
        asio::post(io, [&] { active.set_value(server->activeConnections()); });
        return active.get_future().get() == 0;
      },
      5s));
}

TEST_F(BodyStreamTest, AClientWaitingForNewPiecesIsKeptPastTheWriteTimeout) {
  auto stream = std::make_shared<FakeStream>(std::deque<std::string>{}, true);
  ASSERT_NO_FATAL_FAILURE(serve(stream, {.streamWriteTimeout = 100ms}));
  auto s = get();
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  beast::http::read_header(s, buf, parser);
  ASSERT_TRUE(support::waitFor([&] { return stream->asked.load() == 1; }, 5s));
  // Ten write timeouts pass with nothing to write: the stream is still open.
  EXPECT_FALSE(support::waitFor([&] { return stream->cancelled.load(); }, 1s));
}

}  // namespace
}  // namespace podkeeper::http
