#include "reconciler/eviction_monitor.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "tests/support/lifecycle_fixture.h"
#include "tests/support/test_pods.h"

// The monitor's passes over a fake NodeStatsSource and a reconciler over FakeRuntime: one pod
// per pass, then a wait for its cleanup; conditions reach admission and the hooks. Passes are
// run by hand and the io_context drained; no timer fires.
namespace podkeeper::reconciler {
namespace {

using testing::container;
constexpr int64_t kMi = 1024 * 1024;

class FakeNodeStats : public NodeStatsSource {
 public:
  Observations observed;
  std::map<std::string, int64_t> workingSet;  // by uid
  Observations observe() override { return observed; }
  size_t measured = 0;
  void measurePod(PodUsageRequest& r, bool) override {
    ++measured;
    if (auto it = workingSet.find(r.candidate.uid); it != workingSet.end())
      r.candidate.memoryWorkingSet = it->second;
  }
};

class EvictionMonitorTest : public testing::LifecycleFixture {
 protected:
  void start(const std::string& hard) {
    EvictionSettings s;
    s.hard = {{"memory.available", hard}};
    config_ = parseEvictionConfig(s).value();
    monitor_ = std::make_unique<EvictionMonitor>(
        io_, *reconciler_, stats_, config_, clock_,
        EvictionHooks{.requeue = [this](const std::string& key) { requeued_.push_back(key); },
                      .evicted = [this](Signal s) { evicted_.push_back(toString(s)); },
                      .conditions = {},
                      .reclaimDisk = {}});
  }
  void pass() {
    monitor_->runPass();
    io_.restart();
    io_.run();
  }
  bool evicting(const std::string& uid) {
    const auto* obs = &runtime_.sandboxes.at(uid);
    reconcile(uid == "uid-a" ? "default/a" : "default/b");
    return obs->stop.has_value();
  }

  boost::asio::io_context io_;
  FakeNodeStats stats_;
  EvictionConfig config_;
  std::unique_ptr<EvictionMonitor> monitor_;
  std::vector<std::string> requeued_, evicted_;
};

TEST_F(EvictionMonitorTest, EvictsOnePodPerPassAndWaitsForItsCleanup) {
  want({testing::pod("a", {container("app", 100, std::nullopt, 64 * kMi)}),
        testing::pod("b", {container("app", 100, std::nullopt, 64 * kMi)})});
  runtime_.containersHandleSigterm = false;  // b runs on through its grace period
  reconcile("default/a");
  reconcile("default/b");
  start("1Gi");
  stats_.observed = {{Signal::MemoryAvailable, {512 * kMi, 24LL << 30}}};
  stats_.workingSet = {{"uid-a", 100 * kMi}, {"uid-b", 900 * kMi}};
  pass();
  EXPECT_EQ(monitor_->status().conditions, std::set<NodeCondition>{NodeCondition::MemoryPressure});
  EXPECT_EQ(evicted_, std::vector<std::string>{"memory.available"});
  EXPECT_EQ(requeued_, std::vector<std::string>{"default/b"}) << "the one most above its request";
  EXPECT_TRUE(evicting("uid-b"));
  EXPECT_FALSE(evicting("uid-a"));

  // b still runs (its grace has not ended): the next pass waits, evicting nothing.
  clock_.now += kNsPerSec / 2;
  pass();
  EXPECT_EQ(evicted_.size(), 1u);

  // b's container exited: the pressure lasts, so a goes next.
  for (auto& c : runtime_.sandboxes.at("uid-b").containers) c.running = false;
  reconcile("default/b");
  clock_.now += kNsPerSec;
  pass();
  EXPECT_EQ(evicted_.size(), 2u);
  EXPECT_TRUE(evicting("uid-a"));
}

TEST_F(EvictionMonitorTest, PodsAreMeasuredOnlyWhenAThresholdIsMet) {
  want({testing::pod("a", {container("app", 100, std::nullopt, 64 * kMi)})});
  reconcile("default/a");
  start("1Gi");
  stats_.observed = {{Signal::MemoryAvailable, {8LL << 30, 24LL << 30}}};
  pass();
  pass();
  EXPECT_EQ(stats_.measured, 0u) << "no pressure: the node's figures alone";
  EXPECT_TRUE(monitor_->status().conditions.empty());

  stats_.observed = {{Signal::MemoryAvailable, {512 * kMi, 24LL << 30}}};
  pass();
  EXPECT_EQ(stats_.measured, 1u);
  EXPECT_EQ(evicted_, std::vector<std::string>{"memory.available"});
}

TEST_F(EvictionMonitorTest, ConditionsReachAdmission) {
  start("1Gi");
  stats_.observed = {{Signal::MemoryAvailable, {512 * kMi, 24LL << 30}}};
  pass();
  EXPECT_EQ(reconciler_->nodeConditions(), std::set<NodeCondition>{NodeCondition::MemoryPressure});
  want({testing::pod("web", {container("app")})});  // BestEffort
  ASSERT_NE(reconciler_->status().refusal("default/web"), nullptr);
  EXPECT_TRUE(evicted_.empty()) << "no running pod to evict";
}

}  // namespace
}  // namespace podkeeper::reconciler
