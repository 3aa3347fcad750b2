#include "probe/prober.h"

#include <gtest/gtest.h>

#include "tests/support/fake_handlers.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/test_pods.h"

namespace podkeeper::probe {
namespace {

using probe::HandlerKind;
using probe::HandlerOutcome;
using reconciler::testing::container;
constexpr int64_t kSec = kNsPerSec;
constexpr int64_t kT0 = 1'000 * kSec;

manifests::Probe execProbe(int period = 10, int failure = 3, int success = 1, int delay = 0) {
  manifests::Probe p;
  p.handler.exec = manifests::ExecAction{{"cat", "/tmp/ok"}};
  p.periodSeconds = period;
  p.failureThreshold = failure;
  p.successThreshold = success;
  p.initialDelaySeconds = delay;
  return p;
}

class ProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.now = kT0;
    ProbeManager::Hooks hooks;
    hooks.requeue = [this](const std::string& key) { requeued_.push_back(key); };
    hooks.event = [this](const std::string&, const std::string& type, const std::string& reason,
                         const std::string& message, const std::string& c) {
      events_.push_back(type + " " + reason + " " + c + ": " + message);
    };
    hooks.result = [this](const std::string&, const std::string&, const std::string& c,
                          const std::string& type, const std::string& result) {
      results_.push_back(c + " " + type + " " + result);
    };
    hooks.scheduleChanged = [this] { ++scheduleChanges_; };
    probes_ = std::make_unique<ProbeManager>(handlers_, clock_, "10.0.0.1", hooks);
  }

  // The pod's app container running since startedAt.
  void run(const manifests::DecodedPod& pod, int64_t startedAt = kT0, bool allowed = true) {
    sandbox_.uid = pod.uid;
    sandbox_.specHash = pod.specHash;
    sandbox_.containers.clear();
    for (const auto& c : pod.pod.spec.containers) {
      runtime::ContainerState s;
      s.name = c.name;
      s.running = true;
      s.startedAtNs = startedAt;
      sandbox_.containers.push_back(s);
    }
    probes_->sync(pod, sandbox_, [allowed](const std::string&) { return allowed; });
  }
  void at(int64_t t) {
    clock_.now = t;
    probes_->runDue();
  }

  reconciler::testing::FakeHandlers handlers_;
  reconciler::testing::FakeClock clock_;
  std::unique_ptr<ProbeManager> probes_;
  runtime::SandboxState sandbox_;
  std::vector<std::string> requeued_, events_, results_;
  int scheduleChanges_ = 0;
};

TEST_F(ProberTest, ContainerWithoutProbesGetsNoWorkers) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  run(pod);
  EXPECT_FALSE(probes_->nextDueNs());
  EXPECT_FALSE(probes_->ready("uid-web", "app"));
  EXPECT_EQ(scheduleChanges_, 0);
}

TEST_F(ProberTest, ReadinessGoesReadyAfterSuccessThresholdAndUnreadyAfterFailureThreshold) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].readinessProbe = execProbe(10, 2, 2);
  run(pod);
  EXPECT_EQ(probes_->ready("uid-web", "app"), false);
  EXPECT_EQ(probes_->nextDueNs(), kT0);
  const std::vector<std::pair<HandlerOutcome, bool>> steps = {
      {HandlerOutcome::Success, false}, {HandlerOutcome::Success, true},
      {HandlerOutcome::Failure, true},  {HandlerOutcome::Success, true},
      {HandlerOutcome::Failure, true},  {HandlerOutcome::Failure, false}};
  int64_t t = kT0;
  for (const auto& [outcome, ready] : steps) {
    at(t);
    ASSERT_EQ(handlers_.pendingCount(), 1u);
    EXPECT_EQ(handlers_.pending()[0]->spec.command, (std::vector<std::string>{"cat", "/tmp/ok"}));
    clock_.now = t + kSec;
    handlers_.answer(outcome, "not yet");
    EXPECT_EQ(probes_->ready("uid-web", "app"), ready) << (t - kT0) / kSec;
    t += 10 * kSec;
  }
  EXPECT_EQ(probes_->readinessChangedNs("uid-web", "app"), kT0 + 51 * kSec);
  EXPECT_TRUE(requeued_.empty());  // readiness only shows in status
  EXPECT_EQ(results_.front(), "app readiness success");
  EXPECT_EQ(events_.back(), "Warning Unhealthy app: Readiness probe failed: not yet");
}

TEST_F(ProberTest, NothingIsSentBeforeTheInitialDelayNorTwiceWhileOneRuns) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = execProbe(2, 3, 1, 15);
  run(pod);
  EXPECT_EQ(probes_->nextDueNs(), kT0 + 15 * kSec);
  at(kT0 + 14 * kSec);
  EXPECT_EQ(handlers_.pendingCount(), 0u);
  at(kT0 + 15 * kSec);
  EXPECT_EQ(handlers_.pendingCount(), 1u);
  at(kT0 + 25 * kSec);  // a hung probe: no second one beside it
  EXPECT_EQ(handlers_.pendingCount(), 1u);
  EXPECT_FALSE(probes_->nextDueNs());
  handlers_.answer(HandlerOutcome::Success);
  EXPECT_EQ(probes_->nextDueNs(), kT0 + 25 * kSec);
}

TEST_F(ProberTest, LivenessFailureAfterTheThresholdAsksForARestartOnce) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = execProbe(10, 3);
  pod.pod.spec.containers[0].livenessProbe->terminationGracePeriodSeconds = 4;
  run(pod);
  for (int i = 0; i < 3; ++i) {
    at(kT0 + i * 10 * kSec);
    EXPECT_FALSE(probes_->failure("uid-web", "app"));
    handlers_.answer(HandlerOutcome::Failure, "no file\n");
  }
  auto f = probes_->failure("uid-web", "app");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->type, ProbeType::Liveness);
  EXPECT_EQ(f->message, "no file");
  EXPECT_EQ(f->terminationGracePeriodSeconds, 4);
  EXPECT_EQ(requeued_, (std::vector<std::string>{"default/web"}));
  EXPECT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0], "Warning Unhealthy app: Liveness probe failed: no file");
  at(kT0 + 60 * kSec);
  EXPECT_EQ(handlers_.pendingCount(), 0u);  // on hold until the container is replaced
}

TEST_F(ProberTest, StartupProbeGatesLivenessAndReadinessUntilItPasses) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].startupProbe = execProbe(5, 10);
  pod.pod.spec.containers[0].startupProbe->handler.exec->command = {"startup"};
  pod.pod.spec.containers[0].livenessProbe = execProbe(10, 1);
  pod.pod.spec.containers[0].livenessProbe->handler.exec->command = {"live"};
  pod.pod.spec.containers[0].readinessProbe = execProbe(10, 1);
  pod.pod.spec.containers[0].readinessProbe->handler.exec->command = {"ready"};
  run(pod);
  EXPECT_EQ(probes_->started("uid-web", "app"), false);
  for (int i = 0; i < 3; ++i) {
    at(kT0 + i * 5 * kSec);
    ASSERT_EQ(handlers_.pendingCount(), 1u);
    EXPECT_EQ(handlers_.pending()[0]->spec.command, std::vector<std::string>{"startup"});
    handlers_.answer(HandlerOutcome::Failure, "starting");
  }
  EXPECT_FALSE(probes_->failure("uid-web", "app"));
  at(kT0 + 15 * kSec);
  clock_.now = kT0 + 16 * kSec;
  handlers_.answer(HandlerOutcome::Success);
  EXPECT_EQ(probes_->started("uid-web", "app"), true);
  EXPECT_EQ(probes_->ready("uid-web", "app"), false);  // readiness not probed yet
  at(kT0 + 16 * kSec);
  ASSERT_EQ(handlers_.pendingCount(), 2u);  // liveness and readiness at once, startup no more
  EXPECT_EQ(handlers_.pending()[0]->spec.command, std::vector<std::string>{"live"});
  EXPECT_EQ(handlers_.pending()[1]->spec.command, std::vector<std::string>{"ready"});
}

TEST_F(ProberTest, StartupFailureAsksForARestart) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].startupProbe = execProbe(1, 2);
  run(pod);
  at(kT0);
  handlers_.answer(HandlerOutcome::Failure, "x");
  at(kT0 + kSec);
  handlers_.answer(HandlerOutcome::Failure, "x");
  ASSERT_TRUE(probes_->failure("uid-web", "app"));
  EXPECT_EQ(probes_->failure("uid-web", "app")->type, ProbeType::Startup);
}

TEST_F(ProberTest, ErrorsAreReportedButNotCounted) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = execProbe(1, 1);
  run(pod);
  at(kT0);
  handlers_.answer(HandlerOutcome::Error, "container not running");
  EXPECT_FALSE(probes_->failure("uid-web", "app"));
  EXPECT_EQ(events_.back(), "Warning Unhealthy app: Liveness probe errored: container not running");
  EXPECT_EQ(results_.back(), "app liveness error");
}

TEST_F(ProberTest, NewInstanceStartsOverAndTheOldProbeIsCancelled) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].readinessProbe = execProbe(10, 1);
  run(pod);
  at(kT0);
  handlers_.answer(HandlerOutcome::Success);
  at(kT0 + 10 * kSec);
  EXPECT_EQ(probes_->ready("uid-web", "app"), true);
  run(pod, kT0 + 12 * kSec);  // restarted
  EXPECT_TRUE(handlers_.calls[1].cancelled);
  EXPECT_EQ(probes_->ready("uid-web", "app"), false);
  EXPECT_EQ(probes_->nextDueNs(), kT0 + 12 * kSec);
}

TEST_F(ProberTest, ContainersThatMayNotBeProbedOrStoppedLoseTheirWorkers) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].readinessProbe = execProbe();
  run(pod, kT0, false);
  EXPECT_FALSE(probes_->ready("uid-web", "app"));
  run(pod);
  at(kT0);
  sandbox_.containers[0].running = false;
  probes_->sync(pod, sandbox_, [](const std::string&) { return true; });
  EXPECT_FALSE(probes_->ready("uid-web", "app"));
  EXPECT_TRUE(handlers_.calls[0].cancelled);
  EXPECT_FALSE(probes_->nextDueNs());
}

TEST_F(ProberTest, HttpProbeTargetsThePodsLoopbackByNamedPort) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].ports = {{"http", 8080, "TCP", 0}};
  manifests::Probe p;
  p.handler.httpGet = manifests::HTTPGetAction{"/ready", {0, "http"}, "", "HTTP", {{"X-A", "b"}}};
  p.timeoutSeconds = 2;
  pod.pod.spec.containers[0].readinessProbe = p;
  run(pod);
  at(kT0);
  ASSERT_EQ(handlers_.pendingCount(), 1u);
  const auto& spec = handlers_.pending()[0]->spec;
  EXPECT_EQ(spec.kind, HandlerKind::HttpGet);
  EXPECT_TRUE(spec.podNetwork);
  EXPECT_EQ(spec.address, "127.0.0.1");
  EXPECT_EQ(spec.port, 8080);
  EXPECT_EQ(spec.path, "/ready");
  EXPECT_EQ(spec.timeoutMs, 2000);
  EXPECT_EQ(spec.headers, (std::vector<std::pair<std::string, std::string>>{{"X-A", "b"}}));
  EXPECT_EQ(spec.sandboxUid, "uid-web");
}

TEST_F(ProberTest, HostNetworkPodsAreProbedOnTheHostsAddress) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.hostNetwork = true;
  manifests::Probe p;
  p.handler.tcpSocket = manifests::TCPSocketAction{{9000, ""}, ""};
  pod.pod.spec.containers[0].livenessProbe = p;
  run(pod);
  at(kT0);
  const auto& spec = handlers_.pending()[0]->spec;
  EXPECT_EQ(spec.kind, HandlerKind::TcpSocket);
  EXPECT_FALSE(spec.podNetwork);
  EXPECT_EQ(spec.address, "10.0.0.1");
  EXPECT_EQ(spec.port, 9000);
}

TEST_F(ProberTest, ForgetCancelsWhatRuns) {
  auto pod = reconciler::testing::pod("web", {container("app")});
  pod.pod.spec.containers[0].livenessProbe = execProbe();
  run(pod);
  at(kT0);
  probes_->forget("uid-web");
  EXPECT_TRUE(handlers_.calls[0].cancelled);
  EXPECT_FALSE(probes_->nextDueNs());
}

}  // namespace
}  // namespace podkeeper::probe
