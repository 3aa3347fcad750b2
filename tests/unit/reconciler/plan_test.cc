#include "reconciler/plan.h"

#include <gtest/gtest.h>

#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;
using A = Action;
using K = ActionKind;

runtime::ContainerState running(const std::string& name, int restarts = 0) {
  runtime::ContainerState c;
  c.name = name;
  c.running = true;
  c.shimAlive = true;
  c.restartCount = restarts;
  return c;
}

runtime::ContainerState exited(const std::string& name, int code, int64_t finishedAt,
                               int restarts = 0) {
  runtime::ContainerState c;
  c.name = name;
  c.restartCount = restarts;
  c.exit = runtime::ExitRecord{code, 0, false, 0, finishedAt};
  return c;
}

runtime::SandboxState sandbox(const manifests::DecodedPod& p,
                              std::vector<runtime::ContainerState> cs) {
  runtime::SandboxState s;
  s.uid = p.uid;
  s.name = p.pod.metadata.name;
  s.namespace_ = p.pod.metadata.namespace_;
  s.specHash = p.specHash;
  s.terminationGracePeriodSeconds = 30;
  s.containers = std::move(cs);
  return s;
}

struct Case {
  const char* name;
  manifests::RestartPolicy policy;
  std::optional<std::vector<runtime::ContainerState>> observed;  // nullopt: no sandbox
  bool desired;
  std::optional<int64_t> killDeadline;
  int64_t now;
  std::vector<Action> want;
  std::optional<int64_t> wantRequeue;
};

class PlanTable : public ::testing::TestWithParam<Case> {};

TEST_P(PlanTable, ProducesTheExpectedActions) {
  const Case& c = GetParam();
  auto desired = testing::pod("web", {container("app")});
  desired.pod.spec.restartPolicy = c.policy;
  std::optional<runtime::SandboxState> obs;
  if (c.observed) obs = sandbox(desired, *c.observed);
  CrashBackoff backoff;
  PlanInput in{c.desired ? &desired : nullptr, obs ? &*obs : nullptr, c.killDeadline, &backoff,
               c.now};
  if (c.killDeadline) in.signalled = {"app"};  // the deadline was set when app got SIGTERM
  Plan p = planPod(in);
  EXPECT_EQ(p.actions, c.want) << c.name;
  EXPECT_EQ(p.requeueAtNs, c.wantRequeue) << c.name;
}

using RP = manifests::RestartPolicy;
const Case kCases[] = {
    {"nothing wanted, nothing there", RP::Always, std::nullopt, false, {}, 0, {}, {}},
    {"new pod starts sandbox and container",
     RP::Always,
     std::nullopt,
     true,
     {},
     0,
     {{K::EnsureSandbox, ""}, {K::StartContainer, "app", 0}},
     {}},
    {"running pod needs nothing", RP::Always, std::vector{running("app")}, true, {}, 0, {}, {}},
    {"sandbox without its container starts it",
     RP::Always,
     std::vector<runtime::ContainerState>{},
     true,
     {},
     0,
     {{K::EnsureSandbox, ""}, {K::StartContainer, "app", 0}},
     {}},
    {"exited container restarts after the floor (Always)",
     RP::Always,
     std::vector{exited("app", 0, 10 * kSec, 2)},
     true,
     {},
     12 * kSec,
     {{K::EnsureSandbox, ""}, {K::RemoveContainer, "app"}, {K::StartContainer, "app", 3}},
     {}},
    {"exited container waits out the floor",
     RP::Always,
     std::vector{exited("app", 1, 10 * kSec)},
     true,
     {},
     10 * kSec + 1,
     {},
     11 * kSec},
    {"OnFailure restarts a failed container",
     RP::OnFailure,
     std::vector{exited("app", 2, 10 * kSec)},
     true,
     {},
     20 * kSec,
     {{K::EnsureSandbox, ""}, {K::RemoveContainer, "app"}, {K::StartContainer, "app", 1}},
     {}},
    {"OnFailure leaves a completed container",
     RP::OnFailure,
     std::vector{exited("app", 0, 10 * kSec)},
     true,
     {},
     20 * kSec,
     {},
     {}},
    {"Never leaves a failed container",
     RP::Never,
     std::vector{exited("app", 1, 10 * kSec)},
     true,
     {},
     20 * kSec,
     {},
     {}},
    {"deleted pod gets SIGTERM and a grace period",
     RP::Always,
     std::vector{running("app")},
     false,
     {},
     5 * kSec,
     {{K::StopContainer, "app"}},
     35 * kSec},
    {"deleted pod within grace waits for the deadline",
     RP::Always,
     std::vector{running("app")},
     false,
     35 * kSec,
     20 * kSec,
     {},
     35 * kSec},
    {"deleted pod past grace is killed",
     RP::Always,
     std::vector{running("app")},
     false,
     35 * kSec,
     35 * kSec,
     {{K::KillContainer, "app"}},
     35 * kSec + kExitSettleNs},
    {"deleted pod with nothing running is removed",
     RP::Always,
     std::vector{exited("app", 0, kSec)},
     false,
     {},
     5 * kSec,
     {{K::RemoveSandbox, ""}},
     {}},
};
INSTANTIATE_TEST_SUITE_P(Cases, PlanTable, ::testing::ValuesIn(kCases));

TEST(Plan, ChangedSpecTerminatesTheOldSandboxFirst) {
  auto desired = testing::pod("web", {container("app")}, "new-hash");
  auto old = testing::pod("web", {container("app")}, "old-hash");
  auto obs = sandbox(old, {running("app")});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 0});
  EXPECT_EQ(p.actions, (std::vector<Action>{{K::StopContainer, "app"}}));
  EXPECT_TRUE(p.startsGracePeriod);
}

TEST(Plan, ChangedSpecRemovesTheStoppedOldSandbox) {
  auto desired = testing::pod("web", {container("app")}, "new-hash");
  auto old = testing::pod("web", {container("app")}, "old-hash");
  auto obs = sandbox(old, {exited("app", 143, kSec)});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 2 * kSec});
  EXPECT_EQ(p.actions, (std::vector<Action>{{K::RemoveSandbox, ""}}));
}

TEST(Plan, EvictedPodIsReleasedOnceItsContainersAndShimsAreGoneAndOnlyOnce) {
  auto desired = testing::pod("web", {container("app"), container("side")});
  auto obs = sandbox(desired, {exited("app", 137, kSec), running("side")});
  obs.stop = runtime::StopRecord{5 * kSec, {"app", "side"}, "Evicted", "The node was low"};
  PlanInput in{&desired, &obs, 5 * kSec, nullptr, 2 * kSec};
  in.signalled = {"app", "side"};  // as the reconciler passes the stop record's
  Plan stopping = planPod(in);
  EXPECT_TRUE(stopping.actions.empty()) << "nothing freed while a container runs";
  EXPECT_EQ(stopping.stopReason, "Evicted");

  obs.containers[1] = exited("side", 143, 3 * kSec);
  obs.containers[1].shimAlive = true;  // still writing its exit record
  Plan writing = planPod({&desired, &obs, 5 * kSec, nullptr, 3 * kSec});
  EXPECT_TRUE(writing.actions.empty());
  EXPECT_EQ(writing.requeueAtNs, 3 * kSec + kExitSettleNs);

  obs.containers[1].shimAlive = false;
  Plan done = planPod({&desired, &obs, 5 * kSec, nullptr, 4 * kSec});
  EXPECT_EQ(done.actions, (std::vector<Action>{{K::ReleaseSandbox, ""}}));
  EXPECT_EQ(done.stopReason, "Evicted");

  obs.released = true;
  EXPECT_TRUE(planPod({&desired, &obs, 5 * kSec, nullptr, 5 * kSec}).actions.empty());
  // Its manifest gone, what is left goes too.
  EXPECT_EQ(planPod({nullptr, &obs, 5 * kSec, nullptr, 6 * kSec}).actions,
            (std::vector<Action>{{K::RemoveSandbox, ""}}));
}

TEST(Plan, CrashLoopingContainerWaitsWithReasonCrashLoopBackOff) {
  auto desired = testing::pod("web", {container("app")});
  auto obs = sandbox(desired, {exited("app", 1, 100 * kSec, 3)});
  CrashBackoff backoff;
  auto key = backoffKey(desired.uid, "app", desired.specHash);
  backoff.recordRestart(key, 50 * kSec);  // delay now 10 s
  backoff.recordRestart(key, 90 * kSec);  // delay now 20 s
  Plan p = planPod({&desired, &obs, std::nullopt, &backoff, 105 * kSec});
  EXPECT_TRUE(p.actions.empty());
  EXPECT_EQ(p.waiting.at("app"), "CrashLoopBackOff");
  EXPECT_EQ(p.requeueAtNs, 120 * kSec);
}

TEST(Plan, ContainerWhoseShimIsWritingTheExitRecordIsLookedAtSoon) {
  auto desired = testing::pod("web", {container("app")});
  runtime::ContainerState dying;
  dying.name = "app";
  dying.shimAlive = true;
  auto obs = sandbox(desired, {dying});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 7 * kSec});
  EXPECT_TRUE(p.actions.empty());
  EXPECT_EQ(p.requeueAtNs, 7 * kSec + kExitSettleNs);
}

TEST(Plan, ContainerLostWithItsShimIsRestartedAsFailed) {
  auto desired = testing::pod("web", {container("app")});
  desired.pod.spec.restartPolicy = RP::OnFailure;
  runtime::ContainerState lost;
  lost.name = "app";
  lost.pid = 42;  // its state.json was written: it ran
  lost.startedAtNs = kSec;
  auto obs = sandbox(desired, {lost});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 10 * kSec});
  EXPECT_EQ(p.actions.back(), (Action{K::StartContainer, "app", 1}));
}

TEST(Plan, ContainerWhoseStartTheAgentNeverFinishedIsStartedAgainWithoutCountingARestart) {
  auto desired = testing::pod("web", {container("app")});
  runtime::ContainerState halfMade;  // config.json only: no state.json, no shim, no exit
  halfMade.name = "app";
  halfMade.restartCount = 2;
  auto obs = sandbox(desired, {halfMade});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 10 * kSec});
  EXPECT_EQ(p.actions, (std::vector<Action>{{K::EnsureSandbox, ""},
                                            {K::DiscardContainer, "app"},
                                            {K::StartContainer, "app", 2}}));
}

TEST(Plan, ContainerWhoseShimIsStillStartingIsWaitedFor) {
  auto desired = testing::pod("web", {container("app")});
  runtime::ContainerState starting;  // the shim holds the bundle but has not written state.json
  starting.name = "app";
  starting.shimAlive = true;
  auto obs = sandbox(desired, {starting});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 10 * kSec});
  EXPECT_TRUE(p.actions.empty());
  EXPECT_EQ(p.requeueAtNs, 10 * kSec + kExitSettleNs);
}

TEST(Plan, ContainerRemovedFromSpecByHandIsKilled) {
  auto desired = testing::pod("web", {container("app")});
  auto obs = sandbox(desired, {running("app"), running("stray")});
  Plan p = planPod({&desired, &obs, std::nullopt, nullptr, 0});
  EXPECT_EQ(p.actions, (std::vector<Action>{{K::KillContainer, "stray"}}));
}

}  // namespace
}  // namespace podkeeper::reconciler

namespace podkeeper::reconciler {
namespace {

manifests::DecodedPod podWithInits(manifests::RestartPolicy policy) {
  auto p = testing::pod("web", {testing::container("app")});
  p.pod.spec.initContainers = {testing::container("first"), testing::container("second")};
  p.pod.spec.restartPolicy = policy;
  return p;
}

std::vector<Action> actionsFor(const manifests::DecodedPod& p,
                               std::optional<std::vector<runtime::ContainerState>> have,
                               int64_t now = 100 * kNsPerSec) {
  std::optional<runtime::SandboxState> obs;
  if (have) obs = sandbox(p, *have);
  CrashBackoff backoff;
  return planPod({&p, obs ? &*obs : nullptr, std::nullopt, &backoff, now}).actions;
}

TEST(PlanInit, FirstInitContainerStartsAlone) {
  auto p = podWithInits(manifests::RestartPolicy::Always);
  EXPECT_EQ(actionsFor(p, std::nullopt),
            (std::vector<Action>{{K::EnsureSandbox, ""}, {K::StartContainer, "first", 0}}));
}

TEST(PlanInit, NextInitContainerWaitsForThePreviousToSucceed) {
  auto p = podWithInits(manifests::RestartPolicy::Always);
  EXPECT_TRUE(actionsFor(p, std::vector{running("first")}).empty());
  EXPECT_EQ(actionsFor(p, std::vector{exited("first", 0, kNsPerSec)}),
            (std::vector<Action>{{K::EnsureSandbox, ""}, {K::StartContainer, "second", 0}}));
}

TEST(PlanInit, AppContainersStartOnceEveryInitContainerSucceeded) {
  auto p = podWithInits(manifests::RestartPolicy::Always);
  EXPECT_EQ(
      actionsFor(p, std::vector{exited("first", 0, kNsPerSec), exited("second", 0, kNsPerSec)}),
      (std::vector<Action>{{K::EnsureSandbox, ""}, {K::StartContainer, "app", 0}}));
}

TEST(PlanInit, FailedInitContainerIsRetriedUnderAlways) {
  auto p = podWithInits(manifests::RestartPolicy::Always);
  EXPECT_EQ(
      actionsFor(p, std::vector{exited("first", 1, kNsPerSec)}),
      (std::vector<Action>{
          {K::EnsureSandbox, ""}, {K::RemoveContainer, "first"}, {K::StartContainer, "first", 1}}));
}

TEST(PlanInit, FailedInitContainerUnderNeverStopsThePod) {
  auto p = podWithInits(manifests::RestartPolicy::Never);
  EXPECT_TRUE(actionsFor(p, std::vector{exited("first", 1, kNsPerSec)}).empty());
}

// ContainerRestartRules on an init container: its own policy and rules, not the pod's.
TEST(PlanInit, AnInitContainersOwnPolicyAndRulesDecideOverThePods) {
  auto p = podWithInits(manifests::RestartPolicy::Never);
  p.pod.spec.initContainers[0].restartPolicy = "Never";
  p.pod.spec.initContainers[0].restartPolicyRules = {
      {"Restart", manifests::ContainerRestartRuleOnExitCodes{"In", {42}}}};
  EXPECT_EQ(
      actionsFor(p, std::vector{exited("first", 42, kNsPerSec)}),
      (std::vector<Action>{
          {K::EnsureSandbox, ""}, {K::RemoveContainer, "first"}, {K::StartContainer, "first", 1}}));
  EXPECT_TRUE(actionsFor(p, std::vector{exited("first", 1, kNsPerSec)}).empty());
  // Never on the container holds a failed init container even when the pod's policy is Always.
  p.pod.spec.restartPolicy = manifests::RestartPolicy::Always;
  EXPECT_TRUE(actionsFor(p, std::vector{exited("first", 1, kNsPerSec)}).empty());
}

TEST(PlanInit, CompletedInitContainersAreNotRerunWhenAnAppContainerRestarts) {
  auto p = podWithInits(manifests::RestartPolicy::Always);
  auto acts =
      actionsFor(p, std::vector{exited("first", 0, kNsPerSec), exited("second", 0, kNsPerSec),
                                exited("app", 1, 2 * kNsPerSec)});
  EXPECT_EQ(acts, (std::vector<Action>{{K::EnsureSandbox, ""},
                                       {K::RemoveContainer, "app"},
                                       {K::StartContainer, "app", 1}}));
}

// restartPolicyRules: a rule that matches restarts the container, else its own restartPolicy,
// else the pod's (the kubelet's ContainerShouldRestart).
TEST(PlanRestartRules, ARuleOrTheContainersOwnPolicyDecidesOverThePods) {
  auto withRules = [](const std::string& policy) {
    auto app = container("app");
    app.restartPolicy = policy;
    app.restartPolicyRules.push_back(
        {"Restart", manifests::ContainerRestartRuleOnExitCodes{"In", {42, 43}}});
    auto p = testing::pod("web", {app});
    p.pod.spec.restartPolicy = RP::Always;
    return p;
  };
  auto plan = [](const manifests::DecodedPod& p, int code) {
    auto observed = sandbox(p, {exited("app", code, 10 * kSec)});
    CrashBackoff backoff;
    PlanInput in{&p, &observed, std::nullopt, &backoff, 20 * kSec};
    return planPod(in).actions;
  };
  const std::vector<Action> restart{
      {K::EnsureSandbox, ""}, {K::RemoveContainer, "app"}, {K::StartContainer, "app", 1}};
  auto never = withRules("Never");
  EXPECT_EQ(plan(never, 42), restart);               // the rule
  EXPECT_EQ(plan(never, 1), std::vector<Action>{});  // Never, whatever the pod's Always
  EXPECT_EQ(plan(never, 0), std::vector<Action>{});
  auto onFailure = withRules("OnFailure");
  EXPECT_EQ(plan(onFailure, 1), restart);
  EXPECT_EQ(plan(onFailure, 0), std::vector<Action>{});
  auto notIn = withRules("Never");
  notIn.pod.spec.containers[0].restartPolicyRules[0].exitCodes->op = "NotIn";
  EXPECT_EQ(plan(notIn, 42), std::vector<Action>{});
  EXPECT_EQ(plan(notIn, 7), restart);
  EXPECT_EQ(plan(notIn, 0), restart);  // NotIn matches 0 too, as in the kubelet
}

TEST(PlanRestartRules, ContainerShouldRestartMatchesTheFirstRule) {
  auto c = container("app");
  EXPECT_TRUE(manifests::containerShouldRestart(c, RP::Always, 0));
  EXPECT_FALSE(manifests::containerShouldRestart(c, RP::OnFailure, 0));
  EXPECT_FALSE(manifests::containerShouldRestart(c, RP::Never, 1));
  c.restartPolicy = "Never";
  c.restartPolicyRules = {{"Restart", manifests::ContainerRestartRuleOnExitCodes{"NotIn", {0}}}};
  EXPECT_TRUE(manifests::containerShouldRestart(c, RP::Never, 3));
  EXPECT_FALSE(manifests::containerShouldRestart(c, RP::Always, 0));
  c.restartPolicy = "Always";
  EXPECT_TRUE(manifests::containerShouldRestart(c, RP::Never, 0));
}

}  // namespace
}  // namespace podkeeper::reconciler
