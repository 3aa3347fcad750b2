#include "status/pod_phase.h"

#include <gtest/gtest.h>

#include "tests/support/test_pods.h"

namespace podkeeper::status {
namespace {

runtime::ContainerState state(const std::string& name, std::optional<int> exitCode) {
  runtime::ContainerState c;
  c.name = name;
  c.running = !exitCode;
  if (exitCode) c.exit = runtime::ExitRecord{*exitCode, 0, false, 0, 0};
  return c;
}

runtime::SandboxState sandbox(const manifests::DecodedPod& p,
                              std::vector<runtime::ContainerState> cs) {
  runtime::SandboxState s;
  s.uid = p.uid;
  s.specHash = p.specHash;
  s.containers = std::move(cs);
  return s;
}

TEST(PodPhase, NothingCreatedYetIsPending) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  EXPECT_EQ(podPhase(p, nullptr), "Pending");
}

TEST(PodPhase, RunningContainerMakesThePodRunning) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  auto s = sandbox(p, {state("app", std::nullopt)});
  EXPECT_EQ(podPhase(p, &s), "Running");
}

TEST(PodPhase, AllExitedZeroUnderNeverIsSucceeded) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  p.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  auto s = sandbox(p, {state("app", 0)});
  EXPECT_EQ(podPhase(p, &s), "Succeeded");
}

TEST(PodPhase, FailedContainerUnderNeverIsFailed) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  p.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  auto s = sandbox(p, {state("app", 2)});
  EXPECT_EQ(podPhase(p, &s), "Failed");
}

TEST(PodPhase, PodWaitingForItsInitContainersIsPending) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  p.pod.spec.initContainers = {reconciler::testing::container("init")};
  auto s = sandbox(p, {state("init", std::nullopt)});
  EXPECT_EQ(podPhase(p, &s), "Pending");
}

TEST(PodPhase, FailedInitContainerUnderNeverIsFailed) {
  auto p = reconciler::testing::pod("web", {reconciler::testing::container("app")});
  p.pod.spec.initContainers = {reconciler::testing::container("init")};
  p.pod.spec.restartPolicy = manifests::RestartPolicy::Never;
  auto s = sandbox(p, {state("init", 1)});
  EXPECT_EQ(podPhase(p, &s), "Failed");
}

TEST(PodPhase, AContainerThatWillNotRestartUnderItsOwnPolicyEndsThePod) {
  auto app = reconciler::testing::container("app");
  app.restartPolicy = "Never";
  app.restartPolicyRules = {{"Restart", manifests::ContainerRestartRuleOnExitCodes{"In", {42}}}};
  auto p = reconciler::testing::pod("web", {app});
  p.pod.spec.restartPolicy = manifests::RestartPolicy::Always;
  auto failed = sandbox(p, {state("app", 1)});
  EXPECT_EQ(podPhase(p, &failed), "Failed");
  auto done = sandbox(p, {state("app", 0)});
  EXPECT_EQ(podPhase(p, &done), "Succeeded");
  auto retried = sandbox(p, {state("app", 42)});
  EXPECT_EQ(podPhase(p, &retried), "Running");  // its rule restarts it
}

}  // namespace
}  // namespace podkeeper::status
