#include "reconciler/reconciler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "manifests/identity.h"
#include "runtime/image/local_image_service.h"
#include "tests/support/lifecycle_fixture.h"
#include "tests/support/test_pods.h"

namespace podkeeper::reconciler {
namespace {

namespace fs = std::filesystem;
using testing::container;
constexpr int64_t kSec = kNsPerSec;

// Over a real image directory (LocalImageService), so the missing-image tests see its
// messages and paths.
class ReconcilerTest : public testing::LifecycleFixture {
 protected:
  void SetUp() override {
    imageDir_ = fs::temp_directory_path() /
                ("pk-reconciler-test-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(imageDir_ / "busybox/latest/rootfs");
    localImages_ = std::make_unique<runtime::LocalImageService>(imageDir_.string());
    imageService_ = localImages_.get();
    LifecycleFixture::SetUp();
  }
  void TearDown() override { fs::remove_all(imageDir_); }

  fs::path imageDir_;
  std::unique_ptr<runtime::LocalImageService> localImages_;  // over imageDir_
};

TEST_F(ReconcilerTest, NewPodGetsASandboxAndItsContainers) {
  want({testing::pod("web", {container("app", 500, 500, 1 << 20, 1 << 20), container("side")})});
  reconcile();
  EXPECT_EQ(runtime_.calls, (std::vector<std::string>{"ensure uid-web", "start uid-web/app",
                                                      "start uid-web/side"}));
  EXPECT_EQ(runtime_.ensured[0].cgroupParent, "pk/burstable/poduid-web");
  EXPECT_EQ(runtime_.started[0].argv, (std::vector<std::string>{"sleep", "3600"}));
  EXPECT_EQ(runtime_.started[0].logPath, "/var/log/pods/default_web_uid-web/app/0.log");
  EXPECT_EQ(runtime_.started[0].resolvedImage.layers,
            std::vector<std::string>{(imageDir_ / "busybox/latest/rootfs").string()});
  EXPECT_EQ(runtime_.started[0].resources.cpuQuotaUs, 50000);
}

TEST_F(ReconcilerTest, ReconcileIsIdempotent) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  runtime_.calls.clear();
  reconcile();
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty());
}

TEST_F(ReconcilerTest, MissingImageWaitsWithErrImageNeverPullNamingThePath) {
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.containers[0].image = "nginx:1.25";
  want({p});
  auto r = reconciler_->reconcile("default/web");
  ASSERT_TRUE(r.has_value()) << r.error().message;  // a waiting container, not a failed sync
  EXPECT_EQ(reconciler_->status().waiting().at(p.uid).at("app"), "ErrImageNeverPull");
  std::string message;
  for (const auto& e : reconciler_->status().events().forPod("default/web"))
    if (e.reason == "ErrImageNeverPull") message = e.message;
  EXPECT_NE(message.find("nginx:1.25"), std::string::npos) << message;
  EXPECT_NE(message.find("nginx/1.25/rootfs"), std::string::npos) << message;
  EXPECT_TRUE(runtime_.started.empty());
}

TEST_F(ReconcilerTest, DeletedPodIsStoppedGracefullyThenRemoved) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  want({});
  runtime_.calls.clear();
  reconcile();  // SIGTERM; the fake container exits on it
  reconcile();  // nothing runs any more: the sandbox goes
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"signal uid-web/app 15", "removeSandbox uid-web"}));
  EXPECT_TRUE(runtime_.sandboxes.empty());
}

TEST_F(ReconcilerTest, ContainerIgnoringSigtermIsKilledWhenTheGracePeriodEnds) {
  runtime_.containersHandleSigterm = false;
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.terminationGracePeriodSeconds = 5;
  want({p});
  reconcile();
  want({});
  int64_t t0 = clock_.now;
  auto out = reconcile();
  ASSERT_TRUE(out.requeueAtNs);
  EXPECT_EQ(*out.requeueAtNs, t0 + 5 * kSec);
  advanceTo(t0 + 4 * kSec);
  runtime_.calls.clear();
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty()) << "killed before the grace period ended";
  advanceTo(t0 + 5 * kSec);
  reconcile();
  reconcile();
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"kill uid-web/app", "removeSandbox uid-web"}));
}

TEST_F(ReconcilerTest, CrashingContainerRestartsAfterOneThenTenThenTwentySeconds) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  std::vector<int64_t> waits;
  for (int i = 0; i < 3; ++i) {
    advanceTo(clock_.now + 2 * kSec);
    runtime_.exitContainer("uid-web", "app", 1);
    int64_t exitedAt = clock_.now;
    auto out = reconcile();
    ASSERT_TRUE(out.requeueAtNs);
    EXPECT_EQ(reconciler_->status().waiting().at("uid-web").at("app"), "CrashLoopBackOff");
    advanceTo(*out.requeueAtNs);
    reconcile();
    waits.push_back((clock_.now - exitedAt) / kSec);
  }
  EXPECT_EQ(waits, (std::vector<int64_t>{1, 10, 20}));
  EXPECT_EQ(runtime_.started.back().restartCount, 3);
  EXPECT_EQ(runtime_.started.back().logPath, "/var/log/pods/default_web_uid-web/app/3.log");
}

TEST_F(ReconcilerTest, ChangedSpecRecreatesThePod) {
  want({testing::pod("web", {container("app")}, "h1")});
  reconcile();
  auto changed = testing::pod("web", {container("app")}, "h2");
  changed.pod.spec.containers[0].command = {"sleep", "1"};
  want({changed});
  runtime_.calls.clear();
  reconcile();  // SIGTERM
  reconcile();  // gone: remove the old sandbox
  reconcile();  // start the new one
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"signal uid-web/app 15", "removeSandbox uid-web",
                                      "ensure uid-web", "start uid-web/app"}));
  EXPECT_EQ(runtime_.sandboxes.at("uid-web").specHash, "h2");
  EXPECT_EQ(runtime_.started.back().argv, (std::vector<std::string>{"sleep", "1"}));
}

TEST_F(ReconcilerTest, MetadataOnlyChangeRestartsNothing) {
  auto p = testing::pod("web", {container("app")});
  want({p});
  reconcile();
  p.pod.metadata.labels["tier"] = "front";
  std::map<std::string, manifests::DecodedPod> m{{"default/web", p}};
  auto changed = reconciler_->setDesired(m);
  EXPECT_EQ(changed, (std::vector<std::string>{"default/web"}));
  runtime_.calls.clear();
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty());
}

// Shared decodings (as ManifestSet's snapshots give them): the same one again is no change;
// another with the same contents neither; one with other contents is, and so is one gone.
TEST_F(ReconcilerTest, SharedDecodingsChangeAKeyOnlyWhenTheirContentsDo) {
  auto web = std::make_shared<const manifests::DecodedPod>(testing::pod("web", {container("app")}));
  auto db = std::make_shared<const manifests::DecodedPod>(testing::pod("db", {container("app")}));
  using Shared = std::map<std::string, manifests::SharedPod>;
  EXPECT_EQ(reconciler_->setDesired(Shared{{"default/web", web}, {"default/db", db}}),
            (std::vector<std::string>{"default/db", "default/web"}));
  EXPECT_TRUE(reconciler_->setDesired(Shared{{"default/web", web}, {"default/db", db}}).empty());
  auto sameAgain = std::make_shared<const manifests::DecodedPod>(*web);
  EXPECT_TRUE(
      reconciler_->setDesired(Shared{{"default/web", sameAgain}, {"default/db", db}}).empty());
  auto relabelled = std::make_shared<manifests::DecodedPod>(*web);
  relabelled->pod.metadata.labels["tier"] = "front";
  EXPECT_EQ(reconciler_->setDesired(Shared{{"default/web", relabelled}, {"default/db", db}}),
            (std::vector<std::string>{"default/web"}));
  EXPECT_EQ(reconciler_->desired().at("default/web").pod.metadata.labels.at("tier"), "front");
  EXPECT_EQ(reconciler_->setDesired(Shared{{"default/web", relabelled}}),
            (std::vector<std::string>{"default/db"}));
  EXPECT_EQ(reconciler_->desired().size(), 1u);
}

TEST_F(ReconcilerTest, PodMovedToAnotherUidStopsTheOldOneBeforeStartingTheNew) {
  auto p = testing::pod("web", {container("app")});
  want({p});
  reconcile();
  p.uid = "uid-moved";
  want({p});
  runtime_.calls.clear();
  reconcile();
  reconcile();
  EXPECT_EQ(runtime_.calls,
            (std::vector<std::string>{"signal uid-web/app 15", "removeSandbox uid-web",
                                      "ensure uid-moved", "start uid-moved/app"}));
}

TEST_F(ReconcilerTest, SandboxFromAnEarlierRunIsAdoptedNotRestarted) {
  auto p = testing::pod("web", {container("app")});
  want({p});
  reconcile();
  // A new agent: same runtime state, fresh reconciler.
  Reconciler fresh(runtime_, *localImages_, clock_,
                   NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30});
  fresh.setDesired({{"default/web", p}});
  ASSERT_TRUE(fresh.observeAll());
  runtime_.calls.clear();
  ASSERT_TRUE(fresh.reconcile("default/web"));
  EXPECT_TRUE(runtime_.calls.empty());
}

TEST_F(ReconcilerTest, SandboxNoLongerWantedAfterARestartIsRemoved) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  Reconciler fresh(runtime_, *localImages_, clock_,
                   NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30});
  ASSERT_TRUE(fresh.observeAll());
  EXPECT_EQ(fresh.keys(), (std::vector<std::string>{"default/web"}));
  ASSERT_TRUE(fresh.reconcile("default/web"));
  ASSERT_TRUE(fresh.reconcile("default/web"));
  EXPECT_TRUE(runtime_.sandboxes.empty());
}

TEST_F(ReconcilerTest, PodStartLatencyIsReportedOnceAllContainersRun) {
  std::vector<double> latencies;
  Reconciler r(runtime_, *localImages_, clock_,
               NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30},
               ReconcileHooks{[&](double s) { latencies.push_back(s); }, {}, {}});
  auto p = testing::pod("web", {container("app")});
  r.setDesired({{"default/web", p}});
  advanceTo(clock_.now + 3 * kSec);
  ASSERT_TRUE(r.reconcile("default/web"));
  ASSERT_TRUE(r.reconcile("default/web"));
  EXPECT_EQ(latencies, (std::vector<double>{3.0}));
}

TEST_F(ReconcilerTest, AdoptedPodReportsNoStartLatency) {
  auto p = testing::pod("web", {container("app")});
  want({p});
  reconcile();
  std::vector<double> latencies;
  Reconciler fresh(runtime_, *localImages_, clock_,
                   NodePaths{"/var/log/pods", "pk", "node1", "10.0.0.1", 2000, 1 << 30},
                   ReconcileHooks{[&](double s) { latencies.push_back(s); }, {}, {}});
  fresh.setDesired({{"default/web", p}});
  ASSERT_TRUE(fresh.observeAll());
  ASSERT_TRUE(fresh.reconcile("default/web"));
  EXPECT_TRUE(latencies.empty());
}

TEST_F(ReconcilerTest, StartsAndBackOffAreRecordedAsEvents) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  advanceTo(clock_.now + kSec);
  runtime_.exitContainer("uid-web", "app", 1);
  reconcile();
  std::vector<std::string> reasons;
  for (const auto& e : reconciler_->status().events().forPod("default/web"))
    reasons.push_back(e.reason);
  // ClusterFirst (the default) without cluster DNS: the kubelet's MissingClusterDNS first.
  EXPECT_EQ(reasons,
            (std::vector<std::string>{"MissingClusterDNS", "Created", "Started", "BackOff"}));
}

TEST_F(ReconcilerTest, RestartedContainerKeepsItsPreviousExitAsLastState) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  advanceTo(clock_.now + kSec);
  runtime_.exitContainer("uid-web", "app", 3);
  advanceTo(clock_.now + 5 * kSec);
  reconcile();
  EXPECT_EQ(reconciler_->status().lastTerminated().at("uid-web").at("app").exitCode, 3);
}

TEST_F(ReconcilerTest, RemovedPodLeavesNoStateOrStatusBehind) {
  want({testing::pod("web", {container("app")})});
  reconcile();
  advanceTo(clock_.now + 2 * kSec);
  runtime_.exitContainer("uid-web", "app", 1);
  advanceTo(*reconcile().requeueAtNs);
  reconcile();  // restarted: the first instance is its lastState
  runtime_.exitContainer("uid-web", "app", 1);
  reconcile();  // waiting to restart again
  ASSERT_TRUE(reconciler_->status().waiting().contains("uid-web"));
  ASSERT_TRUE(reconciler_->status().lastTerminated().contains("uid-web"));
  want({});
  for (int i = 0; i < 5 && reconciler_->observed("uid-web"); ++i) {
    reconcile();
    advanceTo(clock_.now + 60 * kSec);
  }
  EXPECT_EQ(reconciler_->observed("uid-web"), nullptr);
  EXPECT_TRUE(reconciler_->keys().empty());
  EXPECT_FALSE(reconciler_->status().waiting().contains("uid-web"));
  EXPECT_FALSE(reconciler_->status().lastTerminated().contains("uid-web"));
  EXPECT_TRUE(reconciler_->status().events().forPod("default/web").empty());
}

TEST_F(ReconcilerTest, FailedReconcileIsRememberedUntilItSucceeds) {
  runtime_.prepareVolumesError = Error{EIO, "volume disk gone"};
  want({testing::pod("web", {container("app")})});
  EXPECT_FALSE(reconciler_->reconcile("default/web"));
  EXPECT_NE(reconciler_->status().lastErrors().at("default/web").find("volume disk gone"),
            std::string::npos);
  runtime_.prepareVolumesError.reset();
  reconcile();
  EXPECT_FALSE(reconciler_->status().lastErrors().contains("default/web"));
}

TEST_F(ReconcilerTest, HugeGracePeriodWaitsInsteadOfWrappingToAnImmediateKill) {
  runtime_.containersHandleSigterm = false;
  auto p = testing::pod("web", {container("app")});
  p.pod.spec.terminationGracePeriodSeconds = std::numeric_limits<int64_t>::max();
  want({p});
  advanceTo(1'700'000'000 * kSec);
  reconcile();
  want({});
  auto out = reconcile();
  ASSERT_TRUE(out.requeueAtNs);
  EXPECT_GT(*out.requeueAtNs, clock_.now);
  advanceTo(clock_.now + 3600 * kSec);
  runtime_.calls.clear();
  reconcile();
  EXPECT_TRUE(runtime_.calls.empty()) << "killed an hour into a grace period of 2^63 s";
}

TEST(SecondsArithmetic, SaturatesInsteadOfOverflowing) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(nsAfter(5, 2), 5 + 2 * kSec);
  EXPECT_EQ(nsAfter(1'700'000'000 * kSec, kMax), kMax);
  EXPECT_EQ(nsAfter(1'700'000'000 * kSec, kMax / kSec), kMax);
  EXPECT_EQ(saturatingMul(kMax, 1000), kMax);
  EXPECT_EQ(saturatingMul(-kMax, 1000), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(timeoutMsFromSeconds(30), 30'000);
  EXPECT_LT(timeoutMsFromSeconds(kMax), kMax / kNsPerMs);
}

TEST_F(ReconcilerTest, ThrowingActionFailsThatPodsReconcileOnlyWithAnEvent) {
  want({testing::pod("bad", {container("app")}), testing::pod("web", {container("app")})});
  runtime_.throwOnStartOf = "uid-bad";
  Result<Reconciler::Outcome> bad;
  ASSERT_NO_THROW(bad = reconciler_->reconcile("default/bad"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("pod default/bad"), std::string::npos) << bad.error().message;
  EXPECT_NE(bad.error().message.find("injected failure"), std::string::npos);
  EXPECT_NE(reconciler_->status().lastErrors().at("default/bad").find("injected failure"),
            std::string::npos);
  auto events = reconciler_->status().events().forPod("default/bad");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().reason, "FailedSync");
  EXPECT_EQ(events.back().type, "Warning");

  reconcile("default/web");
  EXPECT_TRUE(runtime_.sandboxes.at("uid-web").containers.at(0).running);
}

}  // namespace
}  // namespace podkeeper::reconciler
