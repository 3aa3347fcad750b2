#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// Pods the node refuses, and manifests no pod can come from: the agent says so, and every
// other pod keeps running (issue 10 items 2 and 4).
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

bool agentAlive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0 && ::kill(pid, 0) == 0;
}

// status.<field> of a pod, "" when there is no such pod or field.
std::string statusOf(const AgentHarness& agent, const std::string& pod, const char* field) {
  auto j = podJson(agent, pod);
  if (!j.is_object() || !j.contains("status") || !j["status"].contains(field)) return "";
  return j["status"][field].get<std::string>();
}

bool hasEvent(const AgentHarness& agent, const std::string& pod, const std::string& reason) {
  auto r = agent.get("/pods/default/" + pod + "/events");
  if (r.status != 200) return false;
  auto list = nlohmann::json::parse(r.body, nullptr, false);
  if (!list.is_object()) return false;
  for (const auto& e : list.value("items", nlohmann::json::array()))
    if (e.value("reason", "") == reason) return true;
  return false;
}

class Admission : public ::testing::Test {
 protected:
  void SetUp() override {
    agent.start();
    good.name = "good";
    good.uid = "good-uid";
    agent.dropManifest("good.yaml", good.str());
    ASSERT_TRUE(waitFor([&] { return statusOf(agent, "good", "phase") == "Running"; }, 15s))
        << agent.agentLog();
  }
  PodYaml good;
  AgentHarness agent;
};

class AdmissionForbiddenSysctl : public Admission {
 protected:
  void SetUp() override {
    Admission::SetUp();
    PodYaml panic;
    panic.name = "panic";
    panic.uid = "panic-uid";
    agent.dropManifest("panic.yaml", panic.str() +
                                         "  securityContext:\n    sysctls:\n"
                                         "    - {name: kernel.panic, value: \"10\"}\n");
    waitFor([&] { return statusOf(agent, "panic", "phase") == "Failed"; }, 10s);
  }
};

TEST_F(AdmissionForbiddenSysctl, PodIsFailedWithReasonSysctlForbidden) {
  auto pod = podJson(agent, "panic");
  EXPECT_EQ(pod["status"]["phase"], "Failed") << pod.dump(2) << agent.agentLog();
  EXPECT_EQ(pod["status"]["reason"], "SysctlForbidden") << pod.dump(2);
  EXPECT_NE(pod["status"].value("message", "").find("kernel.panic"), std::string::npos);
}

TEST_F(AdmissionForbiddenSysctl, RefusalIsRecordedAsAnEvent) {
  EXPECT_TRUE(waitFor([&] { return hasEvent(agent, "panic", "SysctlForbidden"); }, 5s))
      << agent.get("/pods/default/panic/events").body;
}

TEST_F(AdmissionForbiddenSysctl, PodNeverReachesTheRuntime) {
  std::this_thread::sleep_for(3s);  // a resync or two
  EXPECT_FALSE(exists(agent.stateDir() + "/pods/panic-uid"));
  EXPECT_FALSE(exists(agent.cgroupDir("memory", "burstable/podpanic-uid")));
}

TEST_F(AdmissionForbiddenSysctl, GetPodsShowsTheReason) {
  auto out = runCli(agent, "get pods");
  EXPECT_NE(out.output.find("SysctlForbidden"), std::string::npos) << out.output;
}

TEST_F(AdmissionForbiddenSysctl, OtherPodKeepsRunning) {
  auto pod = podJson(agent, "good");
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_EQ(containerStatus(pod, "app")["restartCount"], 0);
}

class NotUtf8Manifest : public Admission {
 protected:
  void SetUp() override {
    Admission::SetUp();
    PodYaml bad;
    bad.name = "latin1";
    bad.uid = "latin1-uid";
    agent.dropManifest("latin1.yaml",
                       bad.str() + "    env:\n    - name: CITY\n      value: M\xfcnchen\n");
    waitFor([&] { return agent.agentLog().find("latin1.yaml:18:14") != std::string::npos; }, 10s);
  }
};

TEST_F(NotUtf8Manifest, AgentStaysUp) {
  std::this_thread::sleep_for(3s);  // a resync or two, where the container start was
  EXPECT_TRUE(agentAlive(agent.agentPid())) << agent.agentLog();
  EXPECT_EQ(agent.getTcp("/healthz").status, 200);
}

TEST_F(NotUtf8Manifest, FileIsReportedWithLineColumnAndField) {
  EXPECT_NE(agent.agentLog().find("latin1.yaml:18:14: spec.containers[0].env[0].value: the value "
                                  "is not valid UTF-8 (byte 0xfc at offset 1)"),
            std::string::npos)
      << agent.agentLog();
  EXPECT_NE(agent.getTcp("/metrics").body.find("podkeeper_manifest_errors 1"), std::string::npos);
}

TEST_F(NotUtf8Manifest, GoodPodKeepsRunningAndTheBadOneNeverStarts) {
  std::this_thread::sleep_for(3s);
  auto pod = podJson(agent, "good");
  EXPECT_EQ(pod["status"]["phase"], "Running");
  EXPECT_EQ(containerStatus(pod, "app")["restartCount"], 0);
  EXPECT_FALSE(exists(agent.stateDir() + "/pods/latin1-uid"));
}

}  // namespace
}  // namespace podkeeper::e2e
