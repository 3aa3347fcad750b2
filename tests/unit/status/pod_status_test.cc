#include "status/pod_status.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "manifests/resource_allocation.h"
#include "status/kube_time.h"
#include "tests/support/test_pods.h"

namespace podkeeper::status {
namespace {

using nlohmann::json;
using reconciler::testing::container;
constexpr int64_t kT0 = 1'700'000'000 * kNsPerSec;  // 2023-11-14T22:13:20Z

runtime::ContainerState running(const std::string& name, int64_t startedAt = kT0,
                                int restarts = 0) {
  runtime::ContainerState c;
  c.name = name;
  c.image = "busybox";
  c.startedAtNs = startedAt;
  c.restartCount = restarts;
  c.running = c.shimAlive = true;
  return c;
}

runtime::ContainerState exited(const std::string& name, int code, bool oom = false) {
  auto c = running(name);
  c.running = c.shimAlive = false;
  c.exit = runtime::ExitRecord{code, code > 128 ? code - 128 : 0, oom, kT0, kT0 + 5 * kNsPerSec};
  return c;
}

class PodStatusTest : public ::testing::Test {
 protected:
  json status(std::vector<runtime::ContainerState> containers) {
    sandbox_.uid = pod_.uid;
    sandbox_.specHash = pod_.specHash;
    sandbox_.containers = std::move(containers);
    in_.observed = &sandbox_;
    return podStatus(in_);
  }
  json condition(const json& status, const std::string& type) {
    for (const auto& c : status["conditions"])
      if (c["type"] == type) return c;
    return nullptr;
  }

  manifests::DecodedPod pod_ = reconciler::testing::pod("web", {container("app")});
  runtime::SandboxState sandbox_;
  PodStatusInput in_ = [this] {
    PodStatusInput in;
    in.pod = &pod_;
    in.hostIP = "192.0.2.10";
    return in;
  }();
};

TEST(KubeTime, FormatsWholeSecondsInUtc) {
  EXPECT_EQ(kubeTime(kT0 + 999'999'999), "2023-11-14T22:13:20Z");
}

TEST_F(PodStatusTest, PodWithoutSandboxIsPendingWithContainerCreating) {
  json s = podStatus(in_);
  EXPECT_EQ(s["phase"], "Pending");
  EXPECT_EQ(s["containerStatuses"][0]["state"]["waiting"]["reason"], "ContainerCreating");
  EXPECT_EQ(condition(s, "PodReadyToStartContainers")["status"], "False");
  EXPECT_FALSE(s.contains("startTime"));
}

TEST_F(PodStatusTest, RunningContainerIsRunningReadyAndStarted) {
  json s = status({running("app")});
  const json& c = s["containerStatuses"][0];
  EXPECT_EQ(s["phase"], "Running");
  EXPECT_EQ(c["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
  EXPECT_TRUE(c["ready"].get<bool>());
  EXPECT_TRUE(c["started"].get<bool>());
  EXPECT_EQ(c["image"], "busybox");
  EXPECT_EQ(c["imageID"], "");  // a directory image has no digest
  EXPECT_EQ(condition(s, "Ready")["status"], "True");
  EXPECT_EQ(condition(s, "Ready")["lastTransitionTime"], "2023-11-14T22:13:20Z");
}

TEST_F(PodStatusTest, ContainerOfAStoredImageReportsItsImageId) {
  EXPECT_EQ(status({})["containerStatuses"][0]["imageID"], "");  // not created yet
  auto c = running("app");
  c.imageId = "docker.io/library/busybox@sha256:" + std::string(64, 'b');
  EXPECT_EQ(status({c})["containerStatuses"][0]["imageID"], c.imageId);
}

TEST_F(PodStatusTest, StartedContainerReportsItsLinuxUserAsCriDoes) {
  EXPECT_FALSE(status({running("app")})["containerStatuses"][0].contains("user"));
  auto c = running("app");
  c.user = runtime::ContainerUser{1000, 3000, {3000, 4000, 50000}};
  json s = status({c});
  EXPECT_EQ(s["containerStatuses"][0]["user"], json::parse(R"({"linux": {"uid": 1000, "gid": 3000,
                                      "supplementalGroups": [3000, 4000, 50000]}})"));
}

TEST_F(PodStatusTest, CrashLoopBackOffWaitsWithTheExitedInstanceAsLastState) {
  in_.waiting = {{"app", "CrashLoopBackOff"}};
  auto c = exited("app", 1);
  c.restartCount = 3;
  json s = status({c});
  const json& st = s["containerStatuses"][0];
  EXPECT_EQ(st["state"]["waiting"]["reason"], "CrashLoopBackOff");
  EXPECT_NE(st["state"]["waiting"]["message"].get<std::string>().find("container=app"),
            std::string::npos);
  EXPECT_EQ(st["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(st["lastState"]["terminated"]["reason"], "Error");
  EXPECT_EQ(st["restartCount"], 3);
  EXPECT_FALSE(st["ready"].get<bool>());
  EXPECT_EQ(condition(s, "Ready")["reason"], "ContainersNotReady");
  EXPECT_EQ(condition(s, "Ready")["message"], "containers with unready status: [app]");
}

TEST_F(PodStatusTest, ExitZeroIsTerminatedCompletedAndPodSucceeds) {
  pod_.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  json s = status({exited("app", 0)});
  const json& t = s["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(t["reason"], "Completed");
  EXPECT_EQ(t["exitCode"], 0);
  EXPECT_EQ(t["finishedAt"], "2023-11-14T22:13:25Z");
  EXPECT_FALSE(t.contains("signal"));
  EXPECT_EQ(s["phase"], "Succeeded");
  EXPECT_EQ(condition(s, "Ready")["reason"], "PodCompleted");
}

TEST_F(PodStatusTest, NonZeroExitIsTerminatedErrorWithItsSignal) {
  pod_.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  json s = status({exited("app", 143)});
  const json& t = s["containerStatuses"][0]["state"]["terminated"];
  EXPECT_EQ(t["reason"], "Error");
  EXPECT_EQ(t["signal"], 15);
  EXPECT_EQ(s["phase"], "Failed");
}

TEST_F(PodStatusTest, OomKillIsTerminatedOOMKilled) {
  pod_.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  json s = status({exited("app", 137, true)});
  EXPECT_EQ(s["containerStatuses"][0]["state"]["terminated"]["reason"], "OOMKilled");
  EXPECT_EQ(s["containerStatuses"][0]["state"]["terminated"]["exitCode"], 137);
}

TEST_F(PodStatusTest, TerminationMessageIsTheTerminatedStatesMessage) {
  pod_.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  auto c = exited("app", 1);
  c.terminationMessage = "config file missing";
  json s = status({c});
  EXPECT_EQ(s["containerStatuses"][0]["state"]["terminated"]["message"], "config file missing");
}

TEST_F(PodStatusTest, MissingImageErrorMakesTheContainerWaitWithErrImageNeverPull) {
  in_.lastError = "pod default/web container app: image \"busybox\" not found: /x does not exist";
  json s = podStatus(in_);
  const json& w = s["containerStatuses"][0]["state"]["waiting"];
  EXPECT_EQ(w["reason"], "ErrImageNeverPull");
  EXPECT_EQ(w["message"], in_.lastError);
}

TEST_F(PodStatusTest, SubPathErrorMakesTheContainerWaitWithCreateContainerConfigError) {
  in_.lastError =
      "pod default/web container app: container uid/app: failed to prepare subPath for "
      "volumeMount \"data\" at /m: subPath \"esc\": \"esc\" leads outside the volume";
  json s = podStatus(in_);
  const json& w = s["containerStatuses"][0]["state"]["waiting"];
  EXPECT_EQ(w["reason"], "CreateContainerConfigError");
  EXPECT_EQ(w["message"], in_.lastError);
  in_.lastError = "pod default/web container app: exec \"nope\": No such file or directory";
  EXPECT_EQ(podStatus(in_)["containerStatuses"][0]["state"]["waiting"]["reason"],
            "CreateContainerError");
}

TEST_F(PodStatusTest, RunAsNonRootRefusalWaitsWithCreateContainerConfigError) {
  in_.lastError =
      "pod default/web container app: container has runAsNonRoot and image will run as root "
      "(pod: \"web_default(uid)\", container: app)";
  const json s = podStatus(in_);
  const json& w = s["containerStatuses"][0]["state"]["waiting"];
  EXPECT_EQ(w["reason"], "CreateContainerConfigError");
  EXPECT_EQ(w["message"], in_.lastError);
}

TEST_F(PodStatusTest, UnusableSeccompProfileWaitsWithCreateContainerError) {
  in_.lastError =
      "pod default/web container app: container u/app: seccomp profile /p/x.json: field "
      "defaultAction: missing";
  const json s = podStatus(in_);
  const json& w = s["containerStatuses"][0]["state"]["waiting"];
  EXPECT_EQ(w["reason"], "CreateContainerError");
}

TEST_F(PodStatusTest, PreviousInstanceIsTheLastStateOfARestartedContainer) {
  in_.lastTerminated = {{"app", exited("app", 2).exit.value()}};
  json s = status({running("app", kT0 + 20 * kNsPerSec, 1)});
  const json& c = s["containerStatuses"][0];
  EXPECT_EQ(c["lastState"]["terminated"]["exitCode"], 2);
  EXPECT_EQ(c["restartCount"], 1);
  EXPECT_EQ(s["startTime"], "2023-11-14T22:13:20Z");  // the earliest instance
}

TEST_F(PodStatusTest, FailedReadinessProbeMakesARunningContainerNotReady) {
  in_.probes = ProbeStatus{{{"app", false}}, {}, {{"app", kT0 + 30 * kNsPerSec}}};
  json s = status({running("app")});
  EXPECT_FALSE(s["containerStatuses"][0]["ready"].get<bool>());
  EXPECT_TRUE(s["containerStatuses"][0]["started"].get<bool>());
  EXPECT_EQ(condition(s, "ContainersReady")["status"], "False");
  EXPECT_EQ(condition(s, "Ready")["lastTransitionTime"], kubeTime(kT0 + 30 * kNsPerSec));
}

TEST_F(PodStatusTest, StartupProbeNotPassedYetMeansNotStartedAndNotReady) {
  in_.probes = ProbeStatus{{{"app", false}}, {{"app", false}}, {}};
  json s = status({running("app")});
  EXPECT_FALSE(s["containerStatuses"][0]["started"].get<bool>());
  EXPECT_FALSE(s["containerStatuses"][0]["ready"].get<bool>());
  EXPECT_TRUE(s["containerStatuses"][0]["state"].contains("running"));
}

TEST_F(PodStatusTest, ReadinessProbePassingMarksTheReadyTransition) {
  in_.probes = ProbeStatus{{{"app", true}}, {{"app", true}}, {{"app", kT0 + 12 * kNsPerSec}}};
  json s = status({running("app")});
  EXPECT_EQ(condition(s, "Ready")["status"], "True");
  EXPECT_EQ(condition(s, "Ready")["lastTransitionTime"], kubeTime(kT0 + 12 * kNsPerSec));
}

TEST_F(PodStatusTest, PodIpIsTheHostsWhenThePodHasNoneOfItsOwn) {
  json s = podStatus(in_);
  EXPECT_EQ(s["hostIP"], "192.0.2.10");
  EXPECT_EQ(s["podIP"], "192.0.2.10");
  in_.podIPs = {"10.88.0.5", "fd00::5"};
  EXPECT_EQ(podStatus(in_)["podIP"], "10.88.0.5");
  EXPECT_EQ(podStatus(in_)["podIPs"][0]["ip"], "10.88.0.5");
  EXPECT_EQ(podStatus(in_)["podIPs"][1]["ip"], "fd00::5");
}

TEST_F(PodStatusTest, QosClassFollowsTheResources) {
  pod_ = reconciler::testing::pod("web", {container("app", 500, 500, 1 << 20, 1 << 20)});
  EXPECT_EQ(podStatus(in_)["qosClass"], "Guaranteed");
  pod_ = reconciler::testing::pod("web", {container("app")});
  EXPECT_EQ(podStatus(in_)["qosClass"], "BestEffort");
}

TEST_F(PodStatusTest, UnfinishedInitContainerKeepsRegularContainersInPodInitializing) {
  pod_.pod.spec.initContainers = {container("setup")};
  json s = status({running("setup")});
  EXPECT_EQ(s["initContainerStatuses"][0]["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(s["containerStatuses"][0]["state"]["waiting"]["reason"], "PodInitializing");
  EXPECT_EQ(condition(s, "Initialized")["status"], "False");
  EXPECT_EQ(condition(s, "Initialized")["message"], "containers with incomplete status: [setup]");
}

TEST_F(PodStatusTest, SucceededInitContainerMarksThePodInitialized) {
  pod_.pod.spec.initContainers = {container("setup")};
  json s = status({exited("setup", 0)});
  EXPECT_EQ(condition(s, "Initialized")["status"], "True");
  EXPECT_EQ(condition(s, "Initialized")["lastTransitionTime"], "2023-11-14T22:13:25Z");
  EXPECT_EQ(s["containerStatuses"][0]["state"]["waiting"]["reason"], "ContainerCreating");
}

TEST_F(PodStatusTest, ConditionsComeInTheKubeletsOrder) {
  json s = status({running("app")});
  std::vector<std::string> types;
  for (const auto& c : s["conditions"]) types.push_back(c["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"PodReadyToStartContainers", "Initialized", "Ready",
                                             "ContainersReady", "PodScheduled"}));
}

// In-place resize: resources and allocatedResources come from what the sandbox was given, the
// condition from the reconciler; a container that does not exist has neither.
TEST_F(PodStatusTest, ResizeShowsTheAppliedResourcesTheAdmittedRequestsAndItsCondition) {
  pod_ = reconciler::testing::pod(
      "web", {container("app", 100, 400, 64 << 20, 128 << 20), container("later", 100, 100)});
  auto applied = pod_.pod.spec;
  applied.containers[0].resources.limits.cpuMilli = 200;  // what runs: 200m
  sandbox_.allocated = manifests::encodeAllocation(manifests::allocationOf(applied));
  in_.resize = ResizeCondition{"PodResizeInProgress", "Error", "aborting attempt", kT0};
  auto s = status({running("app")});
  const auto& app = s["containerStatuses"][0];
  EXPECT_EQ(app["resources"], json::parse(R"({"requests": {"cpu": "100m", "memory": "64Mi"},
                            "limits": {"cpu": "200m", "memory": "128Mi"}})"));
  EXPECT_EQ(app["allocatedResources"], json::parse(R"({"cpu": "100m", "memory": "64Mi"})"));
  EXPECT_FALSE(s["containerStatuses"][1].contains("resources"));
  auto c = condition(s, "PodResizeInProgress");
  EXPECT_EQ(c["status"], "True");
  EXPECT_EQ(c["reason"], "Error");
  EXPECT_EQ(c["message"], "aborting attempt");
  EXPECT_EQ(c["lastTransitionTime"], kubeTime(kT0));

  in_.resize.reset();
  EXPECT_EQ(condition(status({running("app")}), "PodResizeInProgress"), nullptr);
}

}  // namespace
}  // namespace podkeeper::status
