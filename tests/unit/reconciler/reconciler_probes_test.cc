#include <gtest/gtest.h>

#include "manifests/identity.h"
#include "reconciler/reconciler.h"
#include "tests/support/fake_handlers.h"
#include "tests/support/fake_image_service.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pods.h"

// The reconciler with probes and lifecycle hooks: a fake runtime, a fake handler runner the
// test answers, and a fake clock.
namespace podkeeper::reconciler {
namespace {

using probe::HandlerKind;
using probe::HandlerOutcome;
using testing::container;
constexpr int64_t kSec = kNsPerSec;

manifests::Probe failingFast() {
  manifests::Probe p;
  p.handler.exec = manifests::ExecAction{{"check"}};
  p.failureThreshold = 1;
  return p;
}

manifests::LifecycleHandler execHook(const std::string& what) {
  manifests::LifecycleHandler h;
  h.exec = manifests::ExecAction{{"sh", "-c", what}};
  return h;
}

class ReconcilerProbesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReconcileHooks hooks;
    hooks.requeue = [this](const std::string& key) { requeued_.push_back(key); };
    hooks.probeResult = [this](const std::string&, const std::string&, const std::string& c,
                               const std::string& type, const std::string& result) {
      results_.push_back(c + " " + type + " " + result);
    };
    reconciler_ = std::make_unique<Reconciler>(
        runtime_, images_, clock_,
        NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30}, hooks, &handlers_);
  }
  void TearDown() override { reconciler_.reset(); }

  void want(std::vector<manifests::DecodedPod> pods) {
    std::map<std::string, manifests::DecodedPod> m;
    for (auto& p : pods) m[manifests::podKey(p.pod.metadata.namespace_, p.pod.metadata.name)] = p;
    reconciler_->setDesired(std::move(m));
  }
  Reconciler::Outcome reconcileAt(int64_t t) {
    clock_.now = t;
    runtime_.nowNs = t;
    auto r = reconciler_->reconcile("default/web");
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    return r.value_or(Reconciler::Outcome{});
  }
  void probesAt(int64_t t) {
    clock_.now = t;
    runtime_.nowNs = t;
    reconciler_->runDueProbes();
  }
  std::vector<std::string> eventLines() const {
    std::vector<std::string> out;
    for (const auto& e : reconciler_->status().events().forPod("default/web"))
      out.push_back(e.reason + ": " + e.message);
    return out;
  }
  bool hasEvent(const std::string& line) const {
    auto all = eventLines();
    return std::find(all.begin(), all.end(), line) != all.end();
  }
  const runtime::ContainerState& observed(const std::string& name) {
    for (const auto& c : runtime_.sandboxes.at("uid-web").containers)
      if (c.name == name) return c;
    throw std::runtime_error("no container " + name);
  }
  size_t callIndex(const std::string& call) const {
    auto it = std::find(runtime_.calls.begin(), runtime_.calls.end(), call);
    return it == runtime_.calls.end() ? SIZE_MAX : size_t(it - runtime_.calls.begin());
  }

  // A pod whose liveness probe failed once (failureThreshold 1) at t0 + 10 s.
  void failLivenessOf(manifests::DecodedPod pod) {
    want({pod});
    reconcileAt(t0_);
    probesAt(t0_ + 10 * kSec);
    ASSERT_EQ(handlers_.pendingCount(), 1u);
    handlers_.answer(probe::HandlerOutcome::Failure, "unhealthy\n");
    ASSERT_EQ(requeued_, std::vector<std::string>{"default/web"});
  }

  const int64_t t0_ = 1'000 * kSec;
  testing::FakeRuntime runtime_;
  testing::FakeImageService images_;
  testing::FakeClock clock_;
  testing::FakeHandlers handlers_;
  std::unique_ptr<Reconciler> reconciler_;
  std::vector<std::string> requeued_, results_;
};

struct RestartCase {
  manifests::RestartPolicy policy;
  bool restarted;
};

TEST_F(ReconcilerProbesTest, LivenessFailureKillsTheContainerAndRestartPolicyDecides) {
  const RestartCase cases[] = {{manifests::RestartPolicy::Always, true},
                               {manifests::RestartPolicy::OnFailure, true},
                               {manifests::RestartPolicy::Never, false}};
  for (const auto& c : cases) {
    SCOPED_TRACE(int(c.policy));
    TearDown();
    runtime_ = {};
    handlers_ = {};
    requeued_.clear();
    SetUp();
    auto pod = testing::pod("web", {container("app")});
    pod.pod.spec.restartPolicy = c.policy;
    pod.pod.spec.containers[0].livenessProbe = failingFast();
    failLivenessOf(pod);
    reconcileAt(t0_ + 11 * kSec);
    EXPECT_NE(callIndex("signal uid-web/app 15"), SIZE_MAX);
    EXPECT_EQ(observed("app").exit->exitCode, 143);
    reconcileAt(t0_ + 13 * kSec);  // the exit seen, the back-off floor passed
    EXPECT_EQ(observed("app").running, c.restarted);
    if (c.restarted) {
      EXPECT_EQ(observed("app").restartCount, 1);
    }
  }
}

TEST_F(ReconcilerProbesTest, LivenessRestartEventsAreUnhealthyThenKilling) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = failingFast();
  failLivenessOf(pod);
  reconcileAt(t0_ + 11 * kSec);
  reconcileAt(t0_ + 13 * kSec);
  auto events = eventLines();
  auto unhealthy =
      std::find(events.begin(), events.end(), "Unhealthy: Liveness probe failed: unhealthy");
  auto killing = std::find(events.begin(), events.end(),
                           "Killing: Container app failed liveness probe, will be restarted");
  ASSERT_NE(unhealthy, events.end());
  ASSERT_NE(killing, events.end());
  EXPECT_LT(unhealthy, killing);
  EXPECT_EQ(results_, std::vector<std::string>{"app liveness failure"});
  // The new instance is probed afresh.
  probesAt(t0_ + 13 * kSec);
  EXPECT_EQ(handlers_.pendingCount(), 1u);
}

TEST_F(ReconcilerProbesTest, LivenessKillUsesTheProbesGracePeriodThenSigkill) {
  runtime_.containersHandleSigterm = false;
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = failingFast();
  pod.pod.spec.containers[0].livenessProbe->terminationGracePeriodSeconds = 3;
  failLivenessOf(pod);
  auto out = reconcileAt(t0_ + 11 * kSec);
  EXPECT_EQ(out.requeueAtNs, t0_ + 14 * kSec);
  reconcileAt(t0_ + 13 * kSec);
  EXPECT_EQ(callIndex("kill uid-web/app"), SIZE_MAX);
  reconcileAt(t0_ + 14 * kSec);
  EXPECT_NE(callIndex("kill uid-web/app"), SIZE_MAX);
  EXPECT_LT(callIndex("signal uid-web/app 15"), callIndex("kill uid-web/app"));
  EXPECT_TRUE(hasEvent("Killing: Killing container app (SIGKILL)"));
}

TEST_F(ReconcilerProbesTest, PreStopRunsBeforeSigtermWhenThePodIsDeleted) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{std::nullopt, execHook("bye"), ""};
  want({pod});
  reconcileAt(t0_);
  want({});
  reconcileAt(t0_ + kSec);
  ASSERT_EQ(handlers_.pendingCount(), 1u);
  EXPECT_EQ(handlers_.pending()[0]->spec.command, (std::vector<std::string>{"sh", "-c", "bye"}));
  EXPECT_EQ(handlers_.pending()[0]->spec.timeoutMs, 30'000);  // bounded by the grace period
  EXPECT_EQ(callIndex("signal uid-web/app 15"), SIZE_MAX);
  reconcileAt(t0_ + 2 * kSec);  // a resync meanwhile changes nothing
  EXPECT_EQ(callIndex("signal uid-web/app 15"), SIZE_MAX);
  clock_.now = t0_ + 3 * kSec;
  handlers_.answer(probe::HandlerOutcome::Success);
  EXPECT_EQ(requeued_, std::vector<std::string>{"default/web"});
  reconcileAt(t0_ + 3 * kSec);
  EXPECT_NE(callIndex("signal uid-web/app 15"), SIZE_MAX);
  reconcileAt(t0_ + 4 * kSec);
  EXPECT_FALSE(runtime_.sandboxes.contains("uid-web"));
}

TEST_F(ReconcilerProbesTest, PreStopUsingTheWholeGraceGetsSigtermThenSigkillTwoSecondsLater) {
  runtime_.containersHandleSigterm = false;
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.terminationGracePeriodSeconds = 5;
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{std::nullopt, execHook("hang"), ""};
  want({pod});
  reconcileAt(t0_);
  want({});
  reconcileAt(t0_ + 10 * kSec);  // grace: 10 s .. 15 s
  reconcileAt(t0_ + 14 * kSec);
  EXPECT_EQ(callIndex("signal uid-web/app 15"), SIZE_MAX);
  auto out = reconcileAt(t0_ + 15 * kSec);
  EXPECT_TRUE(handlers_.calls[0].cancelled);  // the hook is abandoned at the end of the grace
  EXPECT_NE(callIndex("signal uid-web/app 15"), SIZE_MAX);
  EXPECT_EQ(callIndex("kill uid-web/app"), SIZE_MAX);
  ASSERT_TRUE(out.requeueAtNs);
  EXPECT_LE(*out.requeueAtNs, t0_ + 17 * kSec);
  reconcileAt(t0_ + 16 * kSec);
  EXPECT_EQ(callIndex("kill uid-web/app"), SIZE_MAX);
  reconcileAt(t0_ + 17 * kSec);
  EXPECT_NE(callIndex("kill uid-web/app"), SIZE_MAX);
}

TEST_F(ReconcilerProbesTest, FailedPreStopIsAnEventAndTheStopGoesOn) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{std::nullopt, execHook("exit 3"), ""};
  want({pod});
  reconcileAt(t0_);
  want({});
  reconcileAt(t0_ + kSec);
  handlers_.answer(probe::HandlerOutcome::Failure, "bad");
  reconcileAt(t0_ + kSec);
  EXPECT_TRUE(hasEvent("FailedPreStopHook: PreStopHook failed: bad"));
  EXPECT_NE(callIndex("signal uid-web/app 15"), SIZE_MAX);
}

TEST_F(ReconcilerProbesTest, SleepPreStopIsASleepHandlerOfItsSeconds) {
  auto pod = testing::pod("web", {container("app")});
  manifests::LifecycleHandler sleep;
  sleep.sleep = manifests::SleepAction{4};
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{std::nullopt, sleep, ""};
  want({pod});
  reconcileAt(t0_);
  want({});
  reconcileAt(t0_ + kSec);
  ASSERT_EQ(handlers_.pendingCount(), 1u);
  EXPECT_EQ(handlers_.pending()[0]->spec.kind, probe::HandlerKind::Sleep);
  EXPECT_EQ(handlers_.pending()[0]->spec.sleepMs, 4000);
}

TEST_F(ReconcilerProbesTest, PostStartHoldsTheNextContainerUntilItIsDone) {
  auto pod = testing::pod("web", {container("first"), container("second")});
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{execHook("setup"), std::nullopt, ""};
  want({pod});
  reconcileAt(t0_);
  EXPECT_NE(callIndex("start uid-web/first"), SIZE_MAX);
  EXPECT_EQ(callIndex("start uid-web/second"), SIZE_MAX);
  ASSERT_EQ(handlers_.pendingCount(), 1u);
  EXPECT_EQ(handlers_.pending()[0]->spec.container, "first");
  EXPECT_EQ(handlers_.pending()[0]->spec.timeoutMs, 0);  // none, as the kubelet
  EXPECT_FALSE(reconciler_->status().probeStatus("uid-web").ready.at("first"));
  reconcileAt(t0_ + kSec);
  EXPECT_EQ(callIndex("start uid-web/second"), SIZE_MAX);
  handlers_.answer(probe::HandlerOutcome::Success);
  EXPECT_EQ(requeued_, std::vector<std::string>{"default/web"});
  reconcileAt(t0_ + 2 * kSec);
  EXPECT_NE(callIndex("start uid-web/second"), SIZE_MAX);
  EXPECT_TRUE(reconciler_->status().probeStatus("uid-web").ready.at("first"));
}

TEST_F(ReconcilerProbesTest, FailedPostStartKillsTheContainerWhichRestartsPerPolicy) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].lifecycle = manifests::Lifecycle{execHook("exit 1"), std::nullopt, ""};
  want({pod});
  reconcileAt(t0_);
  handlers_.answer(probe::HandlerOutcome::Failure, "setup failed\n");
  EXPECT_TRUE(hasEvent("FailedPostStartHook: PostStartHook failed: setup failed"));
  reconcileAt(t0_ + kSec);
  EXPECT_TRUE(hasEvent("Killing: FailedPostStartHook"));
  EXPECT_NE(callIndex("signal uid-web/app 15"), SIZE_MAX);
  reconcileAt(t0_ + 3 * kSec);
  EXPECT_EQ(observed("app").restartCount, 1);
  EXPECT_TRUE(observed("app").running);
  EXPECT_EQ(handlers_.pendingCount(), 1u);  // the new instance runs its hook again
}

TEST_F(ReconcilerProbesTest, ReadinessProbeDrivesReadyInProbeStatus) {
  auto pod = testing::pod("web", {container("app"), container("plain")});
  pod.pod.spec.containers[0].readinessProbe = failingFast();
  want({pod});
  reconcileAt(t0_);
  auto status = reconciler_->status().probeStatus("uid-web");
  EXPECT_FALSE(status.ready.at("app"));
  EXPECT_TRUE(status.ready.at("plain"));
  probesAt(t0_ + kSec);
  handlers_.answer(probe::HandlerOutcome::Success);
  EXPECT_TRUE(reconciler_->status().probeStatus("uid-web").ready.at("app"));
  EXPECT_EQ(reconciler_->status().probeStatus("uid-web").readinessChangedNs.at("app"), t0_ + kSec);
  probesAt(t0_ + 11 * kSec);
  handlers_.answer(probe::HandlerOutcome::Failure, "503");
  EXPECT_FALSE(reconciler_->status().probeStatus("uid-web").ready.at("app"));
  EXPECT_TRUE(requeued_.empty());  // readiness restarts nothing
  EXPECT_EQ(callIndex("signal uid-web/app 15"), SIZE_MAX);
}

TEST_F(ReconcilerProbesTest, StartupProbeMakesStartedFalseUntilItPasses) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].startupProbe = failingFast();
  pod.pod.spec.containers[0].startupProbe->failureThreshold = 5;
  pod.pod.spec.containers[0].livenessProbe = failingFast();
  want({pod});
  reconcileAt(t0_);
  EXPECT_FALSE(reconciler_->status().probeStatus("uid-web").started.at("app"));
  EXPECT_FALSE(reconciler_->status().probeStatus("uid-web").ready.at("app"));
  probesAt(t0_ + kSec);
  ASSERT_EQ(handlers_.pendingCount(), 1u);  // only the startup probe
  handlers_.answer(probe::HandlerOutcome::Success);
  EXPECT_TRUE(reconciler_->status().probeStatus("uid-web").started.at("app"));
  EXPECT_TRUE(reconciler_->status().probeStatus("uid-web").ready.at("app"));
}

TEST_F(ReconcilerProbesTest, DeletingThePodCancelsItsProbes) {
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = failingFast();
  want({pod});
  reconcileAt(t0_);
  probesAt(t0_ + kSec);
  ASSERT_EQ(handlers_.pendingCount(), 1u);
  want({});
  reconcileAt(t0_ + 2 * kSec);
  EXPECT_EQ(handlers_.pendingCount(), 0u);
  EXPECT_FALSE(reconciler_->probeDueNs());
}

TEST(ReconcilerWithoutHandlers, RefusesPodsWithProbesNamingTheField) {
  testing::FakeRuntime runtime;
  testing::FakeImageService images;
  testing::FakeClock clock;
  Reconciler r(runtime, images, clock, NodePaths{"/var/log/pods", "pk", "n", "", 1, 1});
  auto pod = testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].readinessProbe = failingFast();
  r.setDesired({{"default/web", pod}});
  auto out = r.reconcile("default/web");
  ASSERT_FALSE(out.has_value());
  EXPECT_NE(out.error().message.find("spec.containers[0].readinessProbe"), std::string::npos)
      << out.error().message;
  EXPECT_TRUE(runtime.calls.empty());
}

}  // namespace
}  // namespace podkeeper::reconciler
