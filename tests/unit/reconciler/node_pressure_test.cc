#include "reconciler/node_pressure.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace podkeeper::reconciler {
namespace {

constexpr int64_t kMi = 1024 * 1024;
constexpr int64_t kGi = 1024 * kMi;
constexpr int64_t kSec = kNsPerSec;

EvictionConfig config(EvictionSettings s) {
  auto c = parseEvictionConfig(s);
  EXPECT_TRUE(c) << c.error().message;
  return c ? *c : EvictionConfig{};
}

EvictionSettings memoryOnly(const std::string& hard) {
  EvictionSettings s;
  s.hard = {{"memory.available", hard}};
  return s;
}

EvictionCandidate pod(const std::string& name, int64_t workingSet, int64_t request,
                      int32_t priority = 0) {
  EvictionCandidate p;
  p.key = "default/" + name;
  p.uid = "uid-" + name;
  p.priority = priority;
  p.memoryWorkingSet = workingSet;
  p.memoryRequest = request;
  p.containers.push_back({"app", workingSet, request, std::nullopt, 0});
  return p;
}

Observations memory(int64_t available, int64_t capacity = 24 * kGi) {
  return {{Signal::MemoryAvailable, {available, capacity}}};
}

TEST(EvictionFlags, ThresholdFlagIsReadIntoSignalValueMap) {
  auto m =
      parseEvictionFlag("--eviction-hard", "memory.available<100Mi, nodefs.available<10%", '<');
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(*m, (std::map<std::string, std::string>{{"memory.available", "100Mi"},
                                                    {"nodefs.available", "10%"}}));
  auto g = parseEvictionFlag("--eviction-soft-grace-period", "memory.available=1m30s", '=');
  ASSERT_TRUE(g);
  EXPECT_EQ(g->at("memory.available"), "1m30s");
}

TEST(EvictionFlags, MalformedStatementIsAnErrorNamingFlagAndStatement) {
  auto m = parseEvictionFlag("--eviction-hard", "memory.available=100Mi", '<');
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message.find("--eviction-hard"), std::string::npos);
  EXPECT_NE(m.error().message.find("memory.available=100Mi"), std::string::npos);
  EXPECT_FALSE(parseEvictionFlag("--eviction-hard", "a<1,a<2", '<'));
}

TEST(EvictionConfigTest, DefaultsAreTheKubeletsHardThresholds) {
  auto c = config(EvictionSettings{});
  ASSERT_EQ(c.thresholds.size(), 4u);
  auto find = [&](Signal s) {
    for (const auto& t : c.thresholds)
      if (t.signal == s) return t;
    ADD_FAILURE() << toString(s);
    return Threshold{};
  };
  EXPECT_EQ(find(Signal::MemoryAvailable).value.quantity, 100 * kMi);
  EXPECT_FLOAT_EQ(float(find(Signal::NodeFsAvailable).value.percentage), 0.10f);
  EXPECT_FLOAT_EQ(float(find(Signal::NodeFsInodesFree).value.percentage), 0.05f);
  EXPECT_FLOAT_EQ(float(find(Signal::ImageFsAvailable).value.percentage), 0.15f);
  for (const auto& t : c.thresholds) EXPECT_TRUE(t.hard());
  EXPECT_EQ(c.pressureTransitionPeriodNs, 300 * kSec);
  EXPECT_EQ(c.monitoringIntervalNs, 10 * kSec);
}

TEST(EvictionConfigTest, BadValuesAreErrorsNamingSettingSignalAndValue) {
  struct Case {
    EvictionSettings s;
    std::string expect;
  };
  std::vector<Case> cases;
  cases.push_back(
      {memoryOnly("lots"), "evictionHard (--eviction-hard): memory.available \"lots\""});
  cases.push_back({memoryOnly("-1Mi"), "must be positive"});
  cases.push_back({memoryOnly("150%"), "<= 100%"});
  EvictionSettings unknown;
  unknown.hard = {{"memory.free", "1Gi"}};
  cases.push_back({unknown, "unsupported eviction signal \"memory.free\""});
  EvictionSettings noGrace;
  noGrace.soft = {{"memory.available", "1Gi"}};
  cases.push_back({noGrace, "needs a grace period"});
  EvictionSettings badGrace = noGrace;
  badGrace.softGracePeriod = {{"memory.available", "soon"}};
  cases.push_back({badGrace, "\"soon\" is not a duration"});
  EvictionSettings badReclaim;
  badReclaim.minimumReclaim = {{"nodefs.available", "-5%"}};
  cases.push_back({badReclaim, "(--eviction-minimum-reclaim): nodefs.available \"-5%\""});
  EvictionSettings badTransition;
  badTransition.pressureTransitionPeriod = "5 minutes";
  cases.push_back({badTransition, "(--eviction-pressure-transition-period): \"5 minutes\""});
  for (const auto& c : cases) {
    auto r = parseEvictionConfig(c.s);
    ASSERT_FALSE(r) << c.expect;
    EXPECT_NE(r.error().message.find(c.expect), std::string::npos) << r.error().message;
  }
}

TEST(EvictionConfigTest, ZeroAndHundredPercentDisableAThreshold) {
  EvictionSettings s;
  s.hard = {{"nodefs.available", "0%"}, {"imagefs.available", "100%"}};
  EXPECT_TRUE(config(s).thresholds.empty());
}

TEST(EvictionConfigTest, SoftThresholdsGetTheirGracePeriodAndMinimumReclaimApplies) {
  EvictionSettings s;
  s.hard = {};
  s.soft = {{"memory.available", "1Gi"}};
  s.softGracePeriod = {{"memory.available", "1m30s"}};
  s.minimumReclaim = {{"memory.available", "500Mi"}};
  auto c = config(s);
  ASSERT_EQ(c.thresholds.size(), 1u);
  EXPECT_EQ(c.thresholds[0].gracePeriodNs, 90 * kSec);
  EXPECT_FALSE(c.thresholds[0].hard());
  ASSERT_TRUE(c.thresholds[0].minReclaim);
  EXPECT_EQ(c.thresholds[0].minReclaim->quantity, 500 * kMi);
}

TEST(GoDuration, ParsesWhatConfigurationsUse) {
  EXPECT_EQ(parseGoDurationNs("90s"), 90 * kSec);
  EXPECT_EQ(parseGoDurationNs("1m30s"), 90 * kSec);
  EXPECT_EQ(parseGoDurationNs("5m"), 300 * kSec);
  EXPECT_EQ(parseGoDurationNs("1h"), 3600 * kSec);
  EXPECT_EQ(parseGoDurationNs("500ms"), 500 * kNsPerMs);
  EXPECT_EQ(parseGoDurationNs("1.5s"), 1500 * kNsPerMs);
  EXPECT_EQ(parseGoDurationNs("0"), 0);
  EXPECT_FALSE(parseGoDurationNs("10"));
  EXPECT_FALSE(parseGoDurationNs("s"));
  EXPECT_FALSE(parseGoDurationNs("5 m"));
  EXPECT_FALSE(parseGoDurationNs(""));
}

TEST(PlanEviction, NothingHappensAboveTheThreshold) {
  auto c = config(memoryOnly("100Mi"));
  auto d = planEviction({}, c, memory(200 * kMi), {pod("a", kGi, 0)}, 1000 * kSec);
  EXPECT_TRUE(d.conditions.empty());
  EXPECT_FALSE(d.reclaim);
  EXPECT_FALSE(d.evictKey);
}

TEST(PlanEviction, HardMemoryThresholdEvictsThePodMostAboveItsRequestWithOneSecondGrace) {
  auto c = config(memoryOnly("100Mi"));
  std::vector<EvictionCandidate> pods{pod("within", 100 * kMi, 200 * kMi),
                                      pod("hog", 900 * kMi, 100 * kMi),
                                      pod("small", 300 * kMi, 100 * kMi)};
  auto d = planEviction({}, c, memory(50 * kMi), pods, 1000 * kSec);
  EXPECT_EQ(d.conditions, std::set<NodeCondition>{NodeCondition::MemoryPressure});
  ASSERT_TRUE(d.evictKey);
  EXPECT_EQ(*d.evictKey, "default/hog");
  EXPECT_EQ(d.gracePeriodSeconds, kHardEvictionGraceSeconds);
  EXPECT_EQ(d.ranked, (std::vector<std::string>{"default/hog", "default/small", "default/within"}));
  EXPECT_EQ(d.message,
            "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
            "Container app was using 900Mi, request is 100Mi, has larger consumption of "
            "memory. ");
}

TEST(PlanEviction, MemoryRankingPutsUsageAboveRequestsBeforePriority) {
  // The high-priority pod above its requests goes before the low-priority one within them.
  std::vector<EvictionCandidate> pods{pod("low-within", 500 * kMi, kGi, -10),
                                      pod("high-over", 200 * kMi, 100 * kMi, 1000)};
  EXPECT_EQ(rankForEviction(Signal::MemoryAvailable, pods),
            (std::vector<std::string>{"default/high-over", "default/low-within"}));
  // Both above: lower priority first, whatever their usage.
  pods = {pod("high", 900 * kMi, 0, 1000), pod("low", 200 * kMi, 0, 10)};
  EXPECT_EQ(rankForEviction(Signal::MemoryAvailable, pods),
            (std::vector<std::string>{"default/low", "default/high"}));
  // A pod without stats goes first (the kubelet's rule).
  auto unknown = pod("unknown", 0, 0, 1000);
  unknown.memoryWorkingSet.reset();
  pods = {pod("known", 900 * kMi, 0), unknown};
  EXPECT_EQ(rankForEviction(Signal::MemoryAvailable, pods).front(), "default/unknown");
}

TEST(PlanEviction, PidRankingIsPriorityThenProcessCount) {
  auto a = pod("many-high", 0, 0, 100);
  a.processes = 500;
  auto b = pod("few-low", 0, 0, 0);
  b.processes = 3;
  auto c = pod("many-low", 0, 0, 0);
  c.processes = 90;
  EXPECT_EQ(rankForEviction(Signal::PidAvailable, {a, b, c}),
            (std::vector<std::string>{"default/many-low", "default/few-low", "default/many-high"}));
}

TEST(PlanEviction, DiskRankingComparesUsageAgainstEphemeralStorageRequests) {
  auto a = pod("big-within", 0, 0);
  a.diskBytes = 5 * kGi;
  a.storageRequest = 10 * kGi;
  auto b = pod("small-over", 0, 0);
  b.diskBytes = 100 * kMi;
  b.storageRequest = 0;
  auto c = pod("big-over", 0, 0);
  c.diskBytes = 2 * kGi;
  EXPECT_EQ(
      rankForEviction(Signal::NodeFsAvailable, {a, b, c}),
      (std::vector<std::string>{"default/big-over", "default/small-over", "default/big-within"}));
}

TEST(PlanEviction, CriticalPodsAreNeverEvicted) {
  auto c = config(memoryOnly("100Mi"));
  auto critical = pod("critical", 2 * kGi, 0, kCriticalPriority);
  critical.critical = true;
  auto d = planEviction({}, c, memory(50 * kMi), {critical}, 1000 * kSec);
  EXPECT_TRUE(d.reclaim);
  EXPECT_FALSE(d.evictKey);
  d = planEviction({}, c, memory(50 * kMi), {critical, pod("plain", 10 * kMi, 0)}, 1000 * kSec);
  ASSERT_TRUE(d.evictKey);
  EXPECT_EQ(*d.evictKey, "default/plain");
}

TEST(PlanEviction, SoftThresholdWaitsForItsGracePeriodThenUsesMaxPodGracePeriod) {
  EvictionSettings s;
  s.hard = {};
  s.soft = {{"memory.available", "1Gi"}};
  s.softGracePeriod = {{"memory.available", "30s"}};
  s.maxPodGracePeriodSeconds = 20;
  auto c = config(s);
  auto hog = pod("hog", 2 * kGi, 0);
  hog.terminationGracePeriodSeconds = 60;
  auto d = planEviction({}, c, memory(512 * kMi), {hog}, 100 * kSec);
  EXPECT_EQ(d.conditions, std::set<NodeCondition>{NodeCondition::MemoryPressure});
  EXPECT_FALSE(d.evictKey) << "within its grace period";
  d = planEviction(d.next, c, memory(512 * kMi), {hog}, 129 * kSec);
  EXPECT_FALSE(d.evictKey);
  d = planEviction(d.next, c, memory(512 * kMi), {hog}, 130 * kSec);
  ASSERT_TRUE(d.evictKey);
  EXPECT_EQ(d.gracePeriodSeconds, 20);
  // A pod asking for less than the maximum gets its own.
  hog.terminationGracePeriodSeconds = 5;
  d = planEviction(d.next, c, memory(512 * kMi), {hog}, 131 * kSec);
  EXPECT_EQ(d.gracePeriodSeconds, 5);
}

TEST(PlanEviction, SoftThresholdRecoveringBeforeItsGraceStartsTheClockAgain) {
  EvictionSettings s;
  s.hard = {};
  s.soft = {{"memory.available", "1Gi"}};
  s.softGracePeriod = {{"memory.available", "30s"}};
  auto c = config(s);
  auto d = planEviction({}, c, memory(512 * kMi), {pod("hog", 2 * kGi, 0)}, 100 * kSec);
  d = planEviction(d.next, c, memory(2 * kGi), {pod("hog", 2 * kGi, 0)}, 120 * kSec);
  d = planEviction(d.next, c, memory(512 * kMi), {pod("hog", 2 * kGi, 0)}, 140 * kSec);
  EXPECT_FALSE(d.evictKey);
  d = planEviction(d.next, c, memory(512 * kMi), {pod("hog", 2 * kGi, 0)}, 170 * kSec);
  EXPECT_TRUE(d.evictKey);
}

TEST(PlanEviction, ConditionIsHeldForTheTransitionPeriodAfterPressureEnds) {
  auto c = config(memoryOnly("100Mi"));
  auto d = planEviction({}, c, memory(50 * kMi), {}, 1000 * kSec);
  EXPECT_TRUE(d.conditions.contains(NodeCondition::MemoryPressure));
  d = planEviction(d.next, c, memory(kGi), {}, 1010 * kSec);
  EXPECT_TRUE(d.conditions.contains(NodeCondition::MemoryPressure)) << "5m transition period";
  EXPECT_FALSE(d.reclaim) << "no eviction once the threshold is no longer met";
  d = planEviction(d.next, c, memory(kGi), {}, 1299 * kSec);
  EXPECT_TRUE(d.conditions.contains(NodeCondition::MemoryPressure));
  d = planEviction(d.next, c, memory(kGi), {}, 1300 * kSec);
  EXPECT_TRUE(d.conditions.empty());
}

TEST(PlanEviction, MinimumReclaimKeepsTheThresholdMetUntilItIsReclaimed) {
  EvictionSettings s = memoryOnly("100Mi");
  s.minimumReclaim = {{"memory.available", "500Mi"}};
  auto c = config(s);
  auto d = planEviction({}, c, memory(50 * kMi), {pod("a", kGi, 0)}, 1000 * kSec);
  ASSERT_TRUE(d.evictKey);
  // Above 100Mi but below 100Mi + 500Mi: still met, another pod goes.
  d = planEviction(d.next, c, memory(400 * kMi), {pod("b", kGi, 0)}, 1010 * kSec);
  ASSERT_TRUE(d.evictKey);
  EXPECT_EQ(*d.evictKey, "default/b");
  // Past it: done.
  d = planEviction(d.next, c, memory(700 * kMi), {pod("c", kGi, 0)}, 1020 * kSec);
  EXPECT_FALSE(d.evictKey);
  // Without a minimum reclaim, 400Mi would have been enough.
  auto plain = config(memoryOnly("100Mi"));
  d = planEviction({}, plain, memory(50 * kMi), {pod("a", kGi, 0)}, 1000 * kSec);
  d = planEviction(d.next, plain, memory(400 * kMi), {pod("b", kGi, 0)}, 1010 * kSec);
  EXPECT_FALSE(d.evictKey);
}

TEST(PlanEviction, PercentageThresholdsResolveAgainstCapacityAndMemoryGoesFirst) {
  EvictionSettings s;
  s.hard = {{"memory.available", "100Mi"}, {"nodefs.available", "10%"}};
  auto c = config(s);
  Observations o = memory(50 * kMi);
  o[Signal::NodeFsAvailable] = {5 * kGi, 100 * kGi};
  auto hog = pod("hog", kGi, 0);
  hog.diskBytes = 50 * kGi;
  auto d = planEviction({}, c, o, {hog}, 1000 * kSec);
  EXPECT_EQ(d.conditions,
            (std::set<NodeCondition>{NodeCondition::MemoryPressure, NodeCondition::DiskPressure}));
  ASSERT_TRUE(d.reclaim);
  EXPECT_EQ(d.reclaim->signal, Signal::MemoryAvailable);
  o[Signal::MemoryAvailable] = {kGi, 24 * kGi};
  d = planEviction(d.next, c, o, {hog}, 1010 * kSec);
  ASSERT_TRUE(d.reclaim);
  EXPECT_EQ(d.reclaim->signal, Signal::NodeFsAvailable);
  // 10% of 100Gi in the kubelet's float32 arithmetic: 10737418400, not 10Gi.
  EXPECT_NE(d.message.find("The node was low on resource: ephemeral-storage. Threshold quantity: "
                           "10737418400, available: 5Gi. "),
            std::string::npos)
      << d.message;
}

TEST(PlanEviction, PidPressureReportsPIDPressure) {
  EvictionSettings s;
  s.hard = {{"pid.available", "10%"}};
  auto c = config(s);
  auto d = planEviction({}, c, {{Signal::PidAvailable, {1000, 32768}}}, {}, kSec);
  EXPECT_EQ(d.conditions, std::set<NodeCondition>{NodeCondition::PIDPressure});
}

TEST(PressureAdmission, FollowsTheKubeletsAdmitRules) {
  using NC = NodeCondition;
  EXPECT_FALSE(pressureAdmission({}, true, false));
  EXPECT_FALSE(pressureAdmission({NC::MemoryPressure}, false, false));
  EXPECT_EQ(pressureAdmission({NC::MemoryPressure}, true, false),
            "The node had condition: [MemoryPressure]. ");
  EXPECT_EQ(pressureAdmission({NC::MemoryPressure, NC::DiskPressure}, false, false),
            "The node had condition: [MemoryPressure DiskPressure]. ");
  EXPECT_EQ(pressureAdmission({NC::PIDPressure}, false, false),
            "The node had condition: [PIDPressure]. ");
  EXPECT_FALSE(pressureAdmission({NC::DiskPressure}, true, true)) << "critical pods are admitted";
}

TEST(FormatQuantity, PrintsAsKubernetesQuantities) {
  EXPECT_EQ(formatQuantity(Signal::MemoryAvailable, 100 * kMi), "100Mi");
  EXPECT_EQ(formatQuantity(Signal::MemoryAvailable, 51200 * 1024), "50Mi");
  EXPECT_EQ(formatQuantity(Signal::MemoryAvailable, 1000001), "1000001");
  EXPECT_EQ(formatQuantity(Signal::PidAvailable, 32000), "32k");
  EXPECT_EQ(formatQuantity(Signal::NodeFsInodesFree, 1234), "1234");
}

}  // namespace
}  // namespace podkeeper::reconciler
