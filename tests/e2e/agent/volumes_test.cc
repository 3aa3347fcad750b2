#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The first "startedAt" value of a Pod's JSON: the running container's start.
std::string startedAtOf(const std::string& podJson) {
  const auto key = podJson.find("\"startedAt\":\"");
  if (key == std::string::npos) return "";
  const auto start = key + 13;
  return podJson.substr(start, podJson.find('"', start) - start);
}

// A hostPath directory of the test's own, removed afterwards.
class Volumes : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  std::string manifest(const std::string& labels, const std::string& hostPathType) const {
    return R"yaml(apiVersion: v1
kind: Pod
metadata:
  name: vols
  uid: e2e-vol-1
  labels: {)yaml" +
           labels + R"yaml(}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    env:
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    command: ["sh", "-c", "echo written-by-$(POD_NAME) > /data/file; cat /etc/podinfo/labels; echo; cat /etc/podinfo/cpu; echo; touch /etc/podinfo/x 2>/dev/null || echo podinfo-ro; while true; do sleep 1; done"]
    resources: {limits: {cpu: 250m, memory: 32Mi}}
    volumeMounts:
    - {name: data, mountPath: /data, subPathExpr: "pods/$(POD_NAME)"}
    - {name: podinfo, mountPath: /etc/podinfo}
  volumes:
  - name: data
    hostPath: {path: )yaml" +
           hostDir + "/data, type: " + hostPathType + R"yaml(}
  - name: podinfo
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: cpu, resourceFieldRef: {containerName: app, resource: limits.cpu, divisor: 1m}}
)yaml";
  }
  std::string log() const {
    return readFile(agent.logFile("default", "vols", "e2e-vol-1", "app", 0));
  }
  std::string labelsFile() const {
    return readFile(agent.rootDir() + "/pods/e2e-vol-1/volumes/podinfo/labels");
  }

  // Declared before the agent, so its pods are gone before the directory is removed.
  support::TempDir hostTmp_{"pk-e2e-hostpath"};
  const std::string hostDir = hostTmp_.path();
  AgentHarness agent;
};

TEST_F(Volumes, SubPathExprAndDownwardAPIVolumeAreSeenByTheContainerAndLabelsUpdateInPlace) {
  agent.dropManifest("vols.yaml", manifest("app: web, tier: front", "DirectoryOrCreate"));
  ASSERT_TRUE(waitFor([&] { return log().find("podinfo-ro") != std::string::npos; }, 10s))
      << agent.agentLog();
  EXPECT_EQ(readFile(hostDir + "/data/pods/vols/file"), "written-by-vols\n");
  EXPECT_NE(log().find(" F app=\"web\"\n"), std::string::npos) << log();
  EXPECT_NE(log().find(" F tier=\"front\"\n"), std::string::npos) << log();
  EXPECT_NE(log().find(" F 250\n"), std::string::npos) << log();

  const std::string startedAt = startedAtOf(agent.get("/pods/default/vols").body);
  ASSERT_NE(startedAt, "");
  // Labels only: the files change, the container keeps running.
  agent.dropManifest("vols.yaml", manifest("app: web, tier: back", "DirectoryOrCreate"));
  EXPECT_TRUE(waitFor([&] { return labelsFile() == "app=\"web\"\ntier=\"back\""; }, 10s))
      << labelsFile() << agent.agentLog();
  EXPECT_FALSE(exists(agent.logFile("default", "vols", "e2e-vol-1", "app", 1)));
  EXPECT_EQ(startedAtOf(agent.get("/pods/default/vols").body), startedAt) << "restarted";
}

TEST_F(Volumes, FailedHostPathTypeCheckHoldsThePodWithFailedMountUntilThePathIsRight) {
  agent.dropManifest("vols.yaml", manifest("app: web", "Directory"));
  std::string events;
  ASSERT_TRUE(waitFor(
      [&] {
        events = agent.get("/pods/default/vols/events").body;
        return events.find("FailedMount") != std::string::npos;
      },
      10s))
      << events << agent.agentLog();
  EXPECT_NE(events.find("hostPath type check failed: " + hostDir + "/data is not a directory"),
            std::string::npos)
      << events;
  EXPECT_FALSE(exists(agent.logFile("default", "vols", "e2e-vol-1", "app", 0)));

  fs::create_directories(hostDir + "/data");
  EXPECT_TRUE(waitFor([&] { return log().find("podinfo-ro") != std::string::npos; }, 15s))
      << agent.agentLog();
}

}  // namespace
}  // namespace podkeeper::e2e
