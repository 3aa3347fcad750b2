// promtool check metrics on our exposition text. The only lint findings allowed are those
// cAdvisor's own names carry; this is that baseline:
//   container_memory_failcnt: a counter without the _total suffix (cAdvisor's name).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <set>
#include <sstream>

#include "metrics/agent_metrics.h"
#include "metrics/process_collector.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::metrics {
namespace {

using support::TempDir;

const std::set<std::string> kCadvisorBaseline = {
    "container_memory_failcnt counter metrics should have \"_total\" suffix",
};
const std::string kFixtures = PK_METRICS_FIXTURES;

struct Lint {
  int status;
  std::set<std::string> findings;
};

Lint promtool(const std::string& file) {
  auto c = support::runShell("/usr/bin/promtool check metrics < '" + file + "' 2>&1");
  Lint l{c.exitCode, {}};
  std::istringstream lines(c.output);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) l.findings.insert(line);
  }
  return l;
}

std::string writeTemp(const TempDir& dir, const std::string& name, const std::string& text) {
  std::string path = dir.file(name);
  std::ofstream(path) << text;
  return path;
}

// promtool exits 3 for lint findings only, 1 for parse errors.
void expectOnlyBaseline(const Lint& l, const std::string& what) {
  EXPECT_TRUE(l.status == 0 || l.status == 3) << what << " exit " << l.status;
  for (const auto& f : l.findings) {
    EXPECT_TRUE(kCadvisorBaseline.count(f)) << what << ": unexpected finding: " << f;
  }
}

TEST(Promtool, GoldenCadvisorAndResourceOutputHasOnlyTheCadvisorBaselineFindings) {
  for (const char* name : {"v1", "v2", "hybrid"}) {
    for (const char* endpoint : {"cadvisor", "resource"}) {
      const std::string file = kFixtures + "/" + name + "." + endpoint + ".prom";
      expectOnlyBaseline(promtool(file), file);
    }
  }
}

TEST(Promtool, AgentMetricsHaveNoFindings) {
  prometheus::Registry registry;
  AgentMetrics agent(registry);
  agent.observeReconcile(0.01);
  agent.observePodStartLatency(1.2);
  agent.containerRestarted("default", "web", "app");
  agent.probeResult("default", "web", "app", "liveness", "success");
  agent.httpRequest("/metrics", 200);
  ProcessCollector process;
  std::string text;
  for (const prometheus::Collectable* c :
       std::initializer_list<const prometheus::Collectable*>{&registry, &process}) {
    text += prometheus::TextSerializer().Serialize(c->Collect());
  }
  TempDir dir;
  Lint l = promtool(writeTemp(dir, "agent.prom", text));
  EXPECT_EQ(l.status, 0);
  EXPECT_THAT(l.findings, ::testing::IsEmpty());
}

TEST(Promtool, ReportsABrokenExpositionSoThisCheckCanFail) {
  TempDir dir;
  Lint l = promtool(writeTemp(dir, "bad.prom", "# TYPE x counter\nx{a=\"1\" 1\n"));
  EXPECT_NE(l.status, 0);
  EXPECT_NE(l.status, 3);
}

}  // namespace
}  // namespace podkeeper::metrics
