#include "status/pod_phase.h"
#include "status/pod_status.h"
#include "tests/support/lifecycle_fixture.h"

// Sidecar init containers (restartPolicy Always on an init container), driven through the
// reconciler with the fake runtime and clock.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kSec = kNsPerSec;
using RP = manifests::RestartPolicy;

manifests::Container sidecar(const std::string& name) {
  auto c = container(name);
  c.restartPolicy = "Always";
  return c;
}

// proxy (sidecar), setup (init), app.
manifests::DecodedPod podWithSidecar(RP policy = RP::Always) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.initContainers = {sidecar("proxy"), container("setup")};
  p.pod.spec.restartPolicy = policy;
  p.pod.spec.terminationGracePeriodSeconds = 10;
  return p;
}

class Sidecars : public testing::LifecycleFixture {
 protected:
  std::vector<std::string> startedNames() {
    std::vector<std::string> names;
    for (const auto& s : runtime_.started) names.push_back(s.name);
    return names;
  }
};

TEST_F(Sidecars, StartInInitOrderAndTheNextInitContainerWaitsForTheSidecar) {
  want({podWithSidecar()});
  reconcile();
  EXPECT_EQ(startedNames(), (std::vector<std::string>{"proxy"}));
  reconcile();  // proxy is running: setup may start, app waits for setup
  EXPECT_EQ(startedNames(), (std::vector<std::string>{"proxy", "setup"}));
  runtime_.exitContainer("uid-web", "setup", 0);
  reconcile();
  EXPECT_EQ(startedNames(), (std::vector<std::string>{"proxy", "setup", "app"}));
  EXPECT_TRUE(observed("uid-web", "proxy")->running) << "the sidecar keeps running";
  EXPECT_EQ(runtime_.sandboxes.at("uid-web").sidecars, std::vector<std::string>{"proxy"});
}

TEST_F(Sidecars, ASidecarWithAStartupProbeHoldsTheNextInitContainerUntilStarted) {
  auto p = podWithSidecar();
  p.pod.spec.initContainers[0].startupProbe = manifests::Probe{};
  std::map<std::string, bool> startup = {{"proxy", false}};
  auto obs = runtime::SandboxState{};
  obs.uid = p.uid;
  obs.specHash = p.specHash;
  runtime::ContainerState proxy;
  proxy.name = "proxy";
  proxy.pid = 10;
  proxy.running = proxy.shimAlive = true;
  obs.containers = {proxy};
  PlanInput in{&p, &obs, std::nullopt, nullptr, 0};
  in.startupProbeSucceeded = &startup;
  EXPECT_TRUE(planPod(in).actions.empty());
  startup["proxy"] = true;
  EXPECT_EQ(planPod(in).actions.back(), (Action{ActionKind::StartContainer, "setup", 0}));
}

TEST_F(Sidecars, ASidecarIsRestartedEvenUnderRestartPolicyNeverWithBackOff) {
  want({podWithSidecar(RP::Never)});
  reconcile();
  reconcile();
  runtime_.exitContainer("uid-web", "setup", 0);
  reconcile();
  runtime_.exitContainer("uid-web", "proxy", 1);
  advanceTo(clock_.now + 2 * kSec);
  reconcile();
  ASSERT_TRUE(observed("uid-web", "proxy")->running);
  EXPECT_EQ(observed("uid-web", "proxy")->restartCount, 1);
  runtime_.exitContainer("uid-web", "proxy", 1);  // again: now the 10 s back-off holds it
  advanceTo(clock_.now + 2 * kSec);
  reconcile();
  EXPECT_FALSE(observed("uid-web", "proxy")->running);
  EXPECT_EQ(reconciler_->status().waiting().at("uid-web").at("proxy"), "CrashLoopBackOff");
  EXPECT_TRUE(observed("uid-web", "app")->running) << "a crashing sidecar holds the app back";
  advanceTo(clock_.now + 10 * kSec);
  reconcile();
  EXPECT_EQ(observed("uid-web", "proxy")->restartCount, 2);
}

TEST_F(Sidecars, PodWhoseAppCompletedIsSucceededAndItsSidecarIsStopped) {
  runtime_.containersHandleSigterm = true;
  auto p = podWithSidecar(RP::Never);
  want({p});
  reconcile();
  reconcile();
  runtime_.exitContainer("uid-web", "setup", 0);
  reconcile();
  runtime_.exitContainer("uid-web", "app", 0);
  runtime_.calls.clear();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"signal uid-web/proxy 15"}));
  reconcile();
  EXPECT_EQ(runtime_.calls.size(), 1u) << "the stopped sidecar was restarted";
  const auto& obs = runtime_.sandboxes.at("uid-web");
  EXPECT_EQ(status::podPhase(p, &obs), "Succeeded");
}

TEST_F(Sidecars, OnDeletionSidecarsStopAfterTheRegularContainersInReverseOrder) {
  runtime_.containersHandleSigterm = false;
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.initContainers = {sidecar("first"), sidecar("second")};
  p.pod.spec.terminationGracePeriodSeconds = 10;
  want({p});
  for (int i = 0; i < 3; ++i) reconcile();
  ASSERT_TRUE(observed("uid-web", "app"));
  want({});
  runtime_.calls.clear();
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"signal uid-web/app 15"}));
  runtime_.exitContainer("uid-web", "app", 143);
  reconcile();
  runtime_.exitContainer("uid-web", "second", 143);
  reconcile();
  reconcile();
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"signal uid-web/app 15", "signal uid-web/second 15",
                                      "signal uid-web/first 15"}));
  advanceTo(clock_.now + 10 * kSec);
  reconcile();
  EXPECT_EQ(runtime_.calls.back(), "kill uid-web/first") << "the grace period is the pod's";
}

TEST_F(Sidecars, StatusCountsTheSidecarAsStartedAndReadyAndThePodInitialized) {
  auto p = podWithSidecar();
  want({p});
  reconcile();
  reconcile();
  runtime_.exitContainer("uid-web", "setup", 0);
  reconcile();
  auto status = statusOf(p);
  EXPECT_EQ(status["phase"], "Running");
  const auto& proxy = status["initContainerStatuses"][0];
  EXPECT_EQ(proxy["name"], "proxy");
  EXPECT_EQ(proxy["started"], true);
  EXPECT_EQ(proxy["ready"], true);
  for (const auto& c : status["conditions"])
    if (c["type"] == "Initialized" || c["type"] == "Ready") {
      EXPECT_EQ(c["status"], "True") << c;
    }
}

}  // namespace
}  // namespace podkeeper::reconciler
