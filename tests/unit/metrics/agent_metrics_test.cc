#include "metrics/agent_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

#include <ctime>

#include "exposition_checker.h"
#include "metrics/process_collector.h"

namespace podkeeper::metrics {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

std::string text(const prometheus::Collectable& c) {
  return prometheus::TextSerializer().Serialize(c.Collect());
}

TEST(AgentMetrics, BuildInfoCarriesTheVersion) {
  prometheus::Registry r;
  AgentMetrics m(r);
  EXPECT_THAT(text(r),
              HasSubstr(std::string("podkeeper_build_info{version=\"") + buildVersion() + "\"} 1"));
}

TEST(AgentMetrics, PodsByPhaseSetsUnlistedPhasesToZero) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.setPodsByPhase({{"Running", 3}, {"Failed", 1}});
  m.setPodsByPhase({{"Running", 2}});
  const std::string t = text(r);
  EXPECT_THAT(t, HasSubstr("podkeeper_pods{phase=\"Running\"} 2"));
  EXPECT_THAT(t, HasSubstr("podkeeper_pods{phase=\"Failed\"} 0"));
}

TEST(AgentMetrics, RestartsCountPerContainer) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.containerRestarted("default", "web", "app");
  m.containerRestarted("default", "web", "app");
  EXPECT_THAT(text(r), HasSubstr("podkeeper_container_restarts_total{container=\"app\","
                                 "namespace=\"default\",pod=\"web\"} 2"));
}

TEST(AgentMetrics, ForgetPodDropsItsSeries) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.containerRestarted("default", "web", "app");
  m.probeResult("default", "web", "app", "liveness", "failure");
  m.containerRestarted("default", "db", "pg");
  m.forgetPod("default", "web");
  const std::string t = text(r);
  EXPECT_THAT(t, Not(HasSubstr("pod=\"web\"")));
  EXPECT_THAT(t, HasSubstr("pod=\"db\""));
}

TEST(AgentMetrics, DroppedLogEntriesGrowByWhatIsNewAndCarryOverARestartedContainer) {
  prometheus::Registry r;
  AgentMetrics m(r);
  const std::string series =
      "podkeeper_container_log_entries_dropped_total{container=\"app\",namespace=\"default\","
      "pod=\"web\"} ";
  m.logEntriesDropped("default", "web", "app", 100, 5);
  EXPECT_THAT(text(r), HasSubstr(series + "5\n"));
  m.logEntriesDropped("default", "web", "app", 100, 5);  // seen again: nothing new
  m.logEntriesDropped("default", "web", "app", 100, 12);
  EXPECT_THAT(text(r), HasSubstr(series + "12\n"));
  m.logEntriesDropped("default", "web", "app", 100, 3);  // a torn read never goes back
  EXPECT_THAT(text(r), HasSubstr(series + "12\n"));
  m.logEntriesDropped("default", "web", "app", 200, 4);  // the next instance counts from 0
  EXPECT_THAT(text(r), HasSubstr(series + "16\n"));
  m.forgetPod("default", "web");
  EXPECT_THAT(text(r), Not(HasSubstr("podkeeper_container_log_entries_dropped_total{")));
}

TEST(AgentMetrics, HistogramsCountObservations) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.observePodStartLatency(0.7);
  m.observeReconcile(0.003);
  const std::string t = text(r);
  EXPECT_THAT(t, HasSubstr("podkeeper_pod_start_latency_seconds_bucket{le=\"1\"} 1"));
  EXPECT_THAT(t, HasSubstr("podkeeper_pod_start_latency_seconds_bucket{le=\"0.5\"} 0"));
  EXPECT_THAT(t, HasSubstr("podkeeper_reconcile_duration_seconds_sum 0.003"));
}

TEST(AgentMetrics, HttpRequestsAndManifestErrorsAreExported) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.httpRequest("/metrics", 200);
  m.setManifestErrors(2);
  const std::string t = text(r);
  EXPECT_THAT(t, HasSubstr("podkeeper_http_requests_total{code=\"200\",path=\"/metrics\"} 1"));
  EXPECT_THAT(t, HasSubstr("podkeeper_manifest_errors 2"));
  EXPECT_THAT(testing::checkExposition(t), IsEmpty());
}

TEST(AgentMetrics, RequestsWithoutARouteShareOneSeries) {
  prometheus::Registry r;
  AgentMetrics m(r);
  m.httpRequest("", 404);
  m.httpRequest("", 404);
  EXPECT_THAT(text(r),
              HasSubstr("podkeeper_http_requests_total{code=\"404\",path=\"unmatched\"} 2"));
}

TEST(ProcessCollector, ExportsTheClientLibraryProcessFamilies) {
  const std::string t = text(ProcessCollector());
  for (const char* family :
       {"process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
        "process_max_fds", "process_start_time_seconds", "process_virtual_memory_bytes"}) {
    EXPECT_THAT(t, HasSubstr(std::string("# TYPE ") + family)) << family;
  }
}

TEST(ProcessCollector, ReportsThisProcessPlausibly) {
  double start = 0, fds = 0;
  for (const auto& f : ProcessCollector().Collect()) {
    if (f.name == "process_start_time_seconds") start = f.metric.at(0).gauge.value;
    if (f.name == "process_open_fds") fds = f.metric.at(0).gauge.value;
  }
  const double now = static_cast<double>(::time(nullptr));
  EXPECT_GT(start, now - 3600);  // this test binary started moments ago
  EXPECT_LE(start, now + 1);
  EXPECT_GE(fds, 3);  // at least stdin, stdout, stderr
}

TEST(ProcessCollector, UnreadableProcessYieldsNoFamilies) {
  EXPECT_TRUE(ProcessCollector("/nonexistent-proc").Collect().empty());
}

}  // namespace
}  // namespace podkeeper::metrics
