#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_yaml.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class FileRules : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }
  bool running(const std::string& uid) { return exists(agent.stateDir() + "/pods/" + uid); }
  AgentHarness agent;
};

TEST_F(FileRules, DotfilesBackupsAndOtherExtensionsAreIgnoredAndReportedOnce) {
  PodYaml pod;
  pod.uid = "ignored";
  for (const char* name : {".hidden.yaml", "web.yaml.bak", "web.yaml~", "notes.txt"})
    agent.dropManifest(name, pod.str());
  std::this_thread::sleep_for(5s);  // two relists
  EXPECT_FALSE(running("ignored"));
  std::string log = agent.agentLog();
  for (const char* name : {".hidden.yaml", "web.yaml.bak", "web.yaml~", "notes.txt"})
    EXPECT_EQ(count(log, std::string("/") + name + ": "), 1u) << name << "\n" << log;
}

TEST_F(FileRules, DuplicatePodNameRunsTheFileThatSortsFirstAndIsReportedOnEveryRelist) {
  PodYaml first, second;
  first.uid = "from-a";
  second.uid = "from-b";
  agent.dropManifest("b.yaml", second.str());
  agent.dropManifest("a.yaml", first.str());
  ASSERT_TRUE(waitFor([&] { return running("from-a"); }, 10s)) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return count(agent.agentLog(), "is also defined in") >= 2; }, 8s))
      << agent.agentLog();
  EXPECT_FALSE(running("from-b"));
}

TEST_F(FileRules, MultiDocumentYamlAndJsonFilesEachRunTheirPods) {
  PodYaml one, two;
  one.name = "one";
  one.uid = "multi-1";
  two.name = "two";
  two.uid = "multi-2";
  agent.dropManifest("both.yaml", one.str() + "---\n" + two.str());
  agent.dropManifest("three.json", R"({"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "three", "uid": "json-3"},
    "spec": {"terminationGracePeriodSeconds": 1, "containers": [{"name": "app",
      "image": "busybox", "command": ["sleep", "3600"]}]}})");
  EXPECT_TRUE(
      waitFor([&] { return running("multi-1") && running("multi-2") && running("json-3"); }, 15s))
      << agent.agentLog();
}

TEST_F(FileRules, UnsupportedFieldIsRefusedByPathWithoutStartingThePod) {
  PodYaml pod;
  pod.uid = "probed";
  std::string yaml =
      pod.str() + "    livenessProbe:\n      httpGet: {port: 80, host: db.example}\n";
  agent.dropManifest("web.yaml", yaml);
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.agentLog().find("spec.containers[0].livenessProbe.httpGet.host") !=
               std::string::npos;
      },
      8s))
      << agent.agentLog();
  EXPECT_FALSE(running("probed"));
}

}  // namespace
}  // namespace podkeeper::e2e
