#include "agent/http/metrics_routes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/http/gzip.h"
#include "common/background_work.h"
#include "metrics/agent_metrics.h"
#include "tests/support/mock_cgroup_manager.h"

namespace podkeeper::http {
namespace {

using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
namespace cg = runtime::cgroup;

class OneContainer : public metrics::TargetSource {
 public:
  std::vector<metrics::ContainerTarget> targets() const override {
    return {{"default", "web", "u1", "app", "busybox", "pk/podu1/c1", 1700000000}};
  }
};

class NodeUsage : public metrics::NodeUsageReader {
 public:
  Result<metrics::NodeUsage> read() const override { return metrics::NodeUsage{1, 2}; }
};

class MetricsRoutesTest : public ::testing::Test {
 protected:
  MetricsRoutesTest()
      : exporter(targets, cgroups, metrics::MachineInfo{2, 1024, "", "", ""},
                 metrics::ExporterOptions{&node, [] { return 1700000001.0; }}),
        agent(registry) {
    // Only stats() is used by the exporter; the strict mock fails the test loudly if any
    // other verb is called.
    cg::Stats s;
    s.cpu.usageNs = 3000000000;
    s.memory.usageBytes = 4096;
    EXPECT_CALL(cgroups, stats(_)).WillRepeatedly(Return(s));
    addMetricsRoutes(router, exporter, {&registry});
  }
  HttpResponse get(const std::string& path, const std::string& method = "GET") {
    HttpRequest r;
    r.method = method;
    r.path = r.target = path;
    return router.handle(r);
  }

  OneContainer targets;
  ::testing::StrictMock<support::MockCgroupManager> cgroups;
  NodeUsage node;
  metrics::Exporter exporter;
  prometheus::Registry registry;
  metrics::AgentMetrics agent;
  Router router;
};

TEST_F(MetricsRoutesTest, CadvisorPathServesContainerFamiliesAsExpositionText) {
  HttpResponse r = get("/metrics/cadvisor");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.contentType, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(r.body,
              HasSubstr("container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\""));
  EXPECT_THAT(r.body, Not(HasSubstr("podkeeper_")));
}

TEST_F(MetricsRoutesTest, MetricsPathServesAgentAndContainerFamilies) {
  HttpResponse r = get("/metrics");
  EXPECT_THAT(r.body, HasSubstr("podkeeper_build_info{"));
  EXPECT_THAT(r.body, HasSubstr("container_memory_usage_bytes{container=\"app\""));
}

TEST_F(MetricsRoutesTest, ResourcePathServesKubeletResourceFamilies) {
  HttpResponse r = get("/metrics/resource");
  EXPECT_THAT(r.body, HasSubstr("container_cpu_usage_seconds_total{container=\"app\","
                                "namespace=\"default\",pod=\"web\"} 3 1700000001000\n"));
  EXPECT_THAT(r.body, HasSubstr("resource_scrape_error 0\n"));
}

TEST_F(MetricsRoutesTest, HeadOnMetricsHasTheBodyLengthButNoBody) {
  HttpResponse r = get("/metrics/cadvisor", "HEAD");
  EXPECT_TRUE(r.omitBody);
  EXPECT_EQ(r.body.size(), get("/metrics/cadvisor").body.size());
}

// With an OffLoop the answer is deferred: the targets are taken at the request, the cgroups
// read and the body rendered (and gzip-encoded, as asked) off the caller's thread, and the
// answer comes back on the loop.
TEST_F(MetricsRoutesTest, WithAnOffLoopTheCgroupsAreReadOffTheLoopAndTheAnswerDeferred) {
  std::mutex mu;
  std::set<std::thread::id> readers;
  cg::Stats s;
  s.cpu.usageNs = 3000000000;
  EXPECT_CALL(cgroups, stats(_)).WillRepeatedly([&](const std::string&) {
    std::lock_guard l(mu);
    readers.insert(std::this_thread::get_id());
    return Result<cg::Stats>(s);
  });
  boost::asio::io_context loop;
  BackgroundWork work(loop, 1);
  Router offLoopRouter;
  addMetricsRoutes(offLoopRouter, exporter, {&registry}, {},
                   [&](std::function<void()> w, std::function<void()> done) {
                     work.run(std::move(w), std::move(done));
                   });
  HttpRequest req;
  req.method = "GET";
  req.path = req.target = "/metrics/cadvisor";
  req.headers = {{"accept-encoding", "gzip"}};
  HttpResponse r = offLoopRouter.handle(req);
  ASSERT_TRUE(r.deferred);
  std::optional<HttpResponse> answer;
  r.deferred([&](HttpResponse a) { answer = std::move(a); });
  EXPECT_FALSE(answer);  // nothing rendered here
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!answer && std::chrono::steady_clock::now() < deadline)
    loop.run_one_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->header("content-encoding"), "gzip");
  auto body = gzipDecompress(answer->body);
  ASSERT_TRUE(body);
  EXPECT_THAT(*body,
              HasSubstr("container_cpu_usage_seconds_total{container=\"app\",cpu=\"total\""));
  std::lock_guard l(mu);
  ASSERT_FALSE(readers.empty());
  EXPECT_FALSE(readers.contains(std::this_thread::get_id()));
}

}  // namespace
}  // namespace podkeeper::http
