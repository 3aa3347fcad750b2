#include "probe/probe_worker.h"

#include <gtest/gtest.h>

#include "common/clock.h"

namespace podkeeper::probe {
namespace {

using probe::HandlerOutcome;
constexpr int64_t kSec = kNsPerSec;
constexpr HandlerOutcome S = HandlerOutcome::Success, F = HandlerOutcome::Failure,
                         E = HandlerOutcome::Error, W = HandlerOutcome::Warning;

manifests::Probe probe(int success, int failure, int delay = 0, int period = 10) {
  manifests::Probe p;
  p.successThreshold = success;
  p.failureThreshold = failure;
  p.initialDelaySeconds = delay;
  p.periodSeconds = period;
  return p;
}

struct ThresholdCase {
  const char* name;
  ProbeType type;
  int successThreshold, failureThreshold;
  std::vector<HandlerOutcome> outcomes;
  ProbeResult expected;
  bool finished;
};

TEST(ProbeWorker, ResultsFollowTheThresholds) {
  const ThresholdCase cases[] = {
      {"readiness starts as failure", ProbeType::Readiness, 1, 3, {}, ProbeResult::Failure, false},
      {"liveness starts as success", ProbeType::Liveness, 1, 3, {}, ProbeResult::Success, false},
      {"startup starts unknown", ProbeType::Startup, 1, 3, {}, ProbeResult::Unknown, false},
      {"one success makes ready", ProbeType::Readiness, 1, 3, {S}, ProbeResult::Success, false},
      {"a warning counts as success", ProbeType::Readiness, 1, 3, {W}, ProbeResult::Success, false},
      {"two of three successes", ProbeType::Readiness, 3, 3, {S, S}, ProbeResult::Failure, false},
      {"three successes in a row",
       ProbeType::Readiness,
       3,
       3,
       {S, S, S},
       ProbeResult::Success,
       false},
      {"a failure breaks the run",
       ProbeType::Readiness,
       2,
       3,
       {S, F, S},
       ProbeResult::Failure,
       false},
      {"ready until three failures",
       ProbeType::Readiness,
       1,
       3,
       {S, F, F},
       ProbeResult::Success,
       false},
      {"three failures: not ready",
       ProbeType::Readiness,
       1,
       3,
       {S, F, F, F},
       ProbeResult::Failure,
       false},
      {"readiness keeps probing after failing",
       ProbeType::Readiness,
       1,
       1,
       {F},
       ProbeResult::Failure,
       false},
      {"errors are thrown away",
       ProbeType::Liveness,
       1,
       2,
       {F, E, E, S, F},
       ProbeResult::Success,
       false},
      {"errors do not break a run",
       ProbeType::Liveness,
       1,
       2,
       {F, E, F},
       ProbeResult::Failure,
       true},
      {"liveness fails after the threshold and stops",
       ProbeType::Liveness,
       1,
       3,
       {F, F, F},
       ProbeResult::Failure,
       true},
      {"liveness on hold ignores later successes",
       ProbeType::Liveness,
       1,
       1,
       {F, S, S},
       ProbeResult::Failure,
       true},
      {"startup passes once and stops",
       ProbeType::Startup,
       1,
       3,
       {F, F, S},
       ProbeResult::Success,
       true},
      {"startup fails after the threshold",
       ProbeType::Startup,
       1,
       2,
       {F, F},
       ProbeResult::Failure,
       true},
  };
  for (const auto& c : cases) {
    ProbeWorker w(c.type, probe(c.successThreshold, c.failureThreshold), 0);
    int64_t t = 0;
    for (auto o : c.outcomes) {
      w.sent(t);
      w.record(o, t + kSec);
      t += 10 * kSec;
    }
    EXPECT_EQ(w.result(), c.expected) << c.name;
    EXPECT_EQ(w.finished(), c.finished) << c.name;
  }
}

TEST(ProbeWorker, RecordSaysWhenTheResultChanged) {
  ProbeWorker w(ProbeType::Readiness, probe(1, 2), 0);
  EXPECT_TRUE(w.record(S, 0));
  EXPECT_FALSE(w.record(S, 0));
  EXPECT_FALSE(w.record(F, 0));
  EXPECT_TRUE(w.record(F, 0));
}

TEST(ProbeWorker, FirstProbeAfterTheInitialDelayThenEveryPeriod) {
  ProbeWorker w(ProbeType::Liveness, probe(1, 3, 5, 10), 100 * kSec);
  EXPECT_EQ(w.dueNs(), 105 * kSec);
  w.sent(105 * kSec);
  EXPECT_TRUE(w.inFlight());
  EXPECT_EQ(w.dueNs(), 115 * kSec);
  w.record(S, 106 * kSec);
  EXPECT_FALSE(w.inFlight());
  EXPECT_EQ(w.dueNs(), 115 * kSec);
}

TEST(ProbeWorker, AnswerSlowerThanThePeriodMakesTheNextOneDueAtOnce) {
  ProbeWorker w(ProbeType::Liveness, probe(1, 3, 0, 2), 0);
  w.sent(0);
  w.record(S, 7 * kSec);
  EXPECT_EQ(w.dueNs(), 7 * kSec);
}

TEST(ProbeWorker, SkippedPeriodsMoveTheDueTimePastNow) {
  ProbeWorker w(ProbeType::Readiness, probe(1, 3, 0, 10), 0);
  w.skip(25 * kSec);
  EXPECT_EQ(w.dueNs(), 30 * kSec);
  w.dueNow(26 * kSec);
  EXPECT_EQ(w.dueNs(), 26 * kSec);
}

TEST(ProbeType, NamesForMetricsAndEvents) {
  EXPECT_STREQ(toString(ProbeType::Startup), "startup");
  EXPECT_EQ(eventName(ProbeType::Liveness), "Liveness");
}

}  // namespace
}  // namespace podkeeper::probe
