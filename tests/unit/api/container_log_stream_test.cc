#include <gtest/gtest.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>

#include "agent/api/pod_api.h"
#include "common/background_work.h"
#include "manifests/identity.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/resident_memory.h"
#include "tests/support/server_on_loop.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pods.h"

// GET /containerLogs over a real socket: a large log is read off the loop in chunks and sent
// as it is read, so the loop keeps answering and memory stays bounded.
namespace podkeeper::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using reconciler::testing::container;

constexpr size_t kLineBytes = 100;
constexpr size_t kLogLines = 50 * 1024 * 1024 / kLineBytes;  // 50 MiB

std::string textOf(size_t i) {
  auto n = std::to_string(i);
  // About kLineBytes a file line, with "<time> stdout F ".
  return "line " + std::string(8 - n.size(), '0') + n + " " + std::string(kLineBytes - 52, 'x');
}

class ContainerLogStreamTest : public http::ServerOnLoop {
 protected:
  void SetUp() override {
    reconciler::NodePaths paths;
    paths.logDir = dir.path();
    paths.cgroupRoot = "pk";
    reconciler_ = std::make_unique<reconciler::Reconciler>(runtime_, images_, clock_, paths);
    auto pod = reconciler::testing::pod("web", {container("app")});
    reconciler_->setDesired({{manifests::podKey("default", "web"), pod}});
    runtime_.nowNs = clock_.now;
    ASSERT_TRUE(reconciler_->reconcile("default/web"));
    PodApiOptions options;
    options.logDir = dir.path();
    options.nowNs = [this] { return clock_.now; };
    options.executor = io.get_executor();
    options.logReads = &reads;
    addPodRoutes(router, *reconciler_, options);
    router.add("GET", "/healthz", http::healthz);
    writeLog(dir.path() + "/default_web_uid-web/app/0.log");
    ASSERT_NO_FATAL_FAILURE(serveOnLoopback());
  }
  static void writeLog(const std::string& path) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path);
    for (size_t i = 0; i < kLogLines; ++i)
      out << "2024-05-01T12:00:00.000000000Z stdout F " << textOf(i) << "\n";
  }
  asio::ip::tcp::socket ask(const std::string& target) {
    auto s = connect();
    asio::write(s, asio::buffer("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    return s;
  }
  std::string body(asio::ip::tcp::socket& s, beast::flat_buffer& buf,
                   beast::http::response_parser<beast::http::string_body>& parser) {
    parser.body_limit(boost::none);
    beast::http::read(s, buf, parser);
    EXPECT_EQ(parser.get().result_int(), 200);
    return parser.get().body();
  }

  support::TempDir dir;
  reconciler::testing::FakeRuntime runtime_;
  reconciler::testing::FakeImageService images_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<reconciler::Reconciler> reconciler_;
  BackgroundWork reads{io, 2};
};

TEST_F(ContainerLogStreamTest, AFiftyMebibyteLogIsStreamedWhileHealthzAnswers) {
  const long before = support::residentKiB();
  support::PeakResident peak;
  auto slow = ask("/containerLogs/default/web/app");
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  beast::http::read_header(slow, buf, parser);  // then it reads nothing for a while
  EXPECT_TRUE(parser.get().chunked());

  auto health = ask("/healthz");
  beast::flat_buffer hbuf;
  beast::http::response<beast::http::string_body> answer;
  beast::http::read(health, hbuf, answer);
  EXPECT_EQ(answer.result_int(), 200);

  // The body as it comes, a piece at a time, so the client holds none of it.
  size_t bytes = 0;
  std::string head, tail;
  parser.body_limit(boost::none);
  while (!parser.is_done()) {
    beast::error_code ec;
    beast::http::read_some(slow, buf, parser, ec);
    ASSERT_FALSE(ec) << ec.message();
    auto& piece = parser.get().body();
    if (head.size() < 100) head += piece.substr(0, 100);
    tail = (tail + piece).substr(std::max<size_t>(tail.size() + piece.size(), 200) - 200);
    bytes += piece.size();
    piece.clear();
  }
  EXPECT_EQ(bytes, kLogLines * (textOf(0).size() + 1));
  EXPECT_TRUE(head.starts_with(textOf(0) + "\n"));
  EXPECT_TRUE(tail.ends_with(textOf(kLogLines - 1) + "\n"));
  // Never the log in memory at once: 50 MiB of file is some 30 MiB of text, and more as lines
  // (reading it in one piece peaks at about 160 MiB here; in chunks, under 2 MiB).
  EXPECT_LT(peak.peak() - before, 16 * 1024);
}

TEST_F(ContainerLogStreamTest, TheTailOfALargeLogIsItsLastLines) {
  auto s = ask("/containerLogs/default/web/app?tailLines=2&limitBytes=1000");
  beast::flat_buffer buf;
  beast::http::response_parser<beast::http::string_body> parser;
  EXPECT_EQ(body(s, buf, parser), textOf(kLogLines - 2) + "\n" + textOf(kLogLines - 1) + "\n");
}

}  // namespace
}  // namespace podkeeper::api
