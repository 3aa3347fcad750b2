// Both listeners under wrk load at 300 running containers (600 cgroup rows): every request is
// answered with a 200, and the serving process's memory stays bounded (the issue's "bounded
// memory under wrk load at 300 containers"). Needs root (cgroups) and /usr/bin/wrk.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "agent/http/tls_context.h"
#include "served_pod.h"
#include "support.h"
#include "tests/support/command.h"
#include "tests/support/http_get.h"
#include "tests/support/resident_memory.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"
#include "tests/support/wait_for.h"

namespace podkeeper::metrics {
namespace {

constexpr int kContainers = 300;
// Peak resident memory above the warmed-up server's under load. Each connection holds at most
// one answer (about 1 MiB at 300 containers) while wrk reads it.
constexpr long kBoundKiB = 48 * 1024;

struct WrkRun {
  long requests = 0;
  bool allOk = false;  // no non-2xx answer, no socket error
  std::string output;
};

WrkRun wrk(const std::string& url, int connections) {
  auto r = support::runShell("wrk -t2 -c" + std::to_string(connections) + " -d8s --timeout 30s " +
                             url + " 2>&1");
  WrkRun run{0, false, r.output};
  std::smatch m;
  if (std::regex_search(r.output, m, std::regex(R"((\d+) requests in)")))
    run.requests = std::stol(m[1]);
  run.allOk = r.exitCode == 0 && r.output.find("Non-2xx") == std::string::npos &&
              r.output.find("Socket errors") == std::string::npos;
  return run;
}

class WrkLoadTest : public testing::ServedPodTest {
 protected:
  WrkLoadTest() : ServedPodTest("load", "many-0") {}
  void SetUp() override {
    if (support::runShell("command -v wrk").exitCode != 0) GTEST_SKIP() << "no wrk";
    RealPodTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    for (int i = 0; i < kContainers; ++i)
      pod->addContainer("c" + std::to_string(i), "registry.local/app:1", {},
                        testing::WorkloadChild::Kind::HoldMemory);
    auto tls = http::makeServerTlsContext({pki.serverCert(), pki.serverKey(), ""});
    ASSERT_TRUE(tls) << tls.error().message;
    tlsPort = testing::freeLoopbackPort();
    router.add("GET", "/healthz", http::healthz);
    serve([&](http::HttpServer& s) {
      return s.listenTcp("127.0.0.1:0").has_value() &&
             s.listenTls("127.0.0.1:" + std::to_string(tlsPort), *tls).has_value();
    });
  }

  support::TempDir dir{"pk-wrk"};
  support::TestPki pki{dir.path()};
  uint16_t tlsPort = 0;
};

TEST_F(WrkLoadTest, BothPortsAnswerEveryRequestWithBoundedMemory) {
  const std::string plain = "http://127.0.0.1:" + std::to_string(server->tcpPort());
  const std::string tls = "https://127.0.0.1:" + std::to_string(tlsPort);
  auto first = support::httpGetLoopback(server->tcpPort(), "/metrics/cadvisor");
  ASSERT_EQ(first.status, 200);
  ASSERT_NE(first.body.find("container=\"c299\""), std::string::npos);
  auto overTls = support::httpsGetLoopback(tlsPort, "/metrics/cadvisor");
  ASSERT_EQ(overTls.status, 200);
  // Warm: the exporter's kept fds, TLS contexts and allocator arenas exist before measuring.
  wrk(plain + "/healthz", 16);
  const long base = support::residentKiB();
  support::PeakResident peak;
  // A scrape takes about 150 ms of the loop here, so a run ends with the scrapes its
  // connections asked for still queued; the next run starts once the server answers again.
  const std::pair<std::string, int> runs[] = {{tls + "/metrics/cadvisor", 8},
                                              {plain + "/metrics/cadvisor", 8},
                                              {tls + "/healthz", 64},
                                              {plain + "/healthz", 64}};
  for (const auto& [url, connections] : runs) {
    ASSERT_TRUE(support::waitFor(
        [&] { return support::httpGetLoopback(server->tcpPort(), "/healthz").status == 200; },
        std::chrono::seconds(30)));
    auto run = wrk(url, connections);
    EXPECT_TRUE(run.allOk) << url << "\n" << run.output;
    EXPECT_GT(run.requests, 0) << url << "\n" << run.output;
    std::printf("wrk %s: %ld requests; peak RSS %+ld KiB over %ld KiB\n", url.c_str(), run.requests,
                peak.peak() - base, base);
  }
  EXPECT_LT(peak.peak() - base, kBoundKiB);
  // And it is given back: what stays after the load is far below the bound.
  EXPECT_LT(support::residentKiB() - base, kBoundKiB / 2);
  EXPECT_EQ(support::httpGetLoopback(server->tcpPort(), "/healthz").status, 200);
}

}  // namespace
}  // namespace podkeeper::metrics
