#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/soak/catalogue.h"
#include "tests/soak/log_lines.h"
#include "tests/soak/machine_scan.h"
#include "tests/soak/manifest_model.h"

// Runs the real agent for a while under a random schedule of pod churn, manifest edits and
// faults drawn from one seed, and checks the invariants of issue 17 as it goes and at the end.
namespace podkeeper::soak {

struct SoakOptions {
  int minutes = 2;
  uint64_t seed = 17;
  std::string logPath;  // the seed and every action, for a replay
};

class Soak {
 public:
  explicit Soak(SoakOptions options);
  ~Soak();
  Soak(const Soak&) = delete;
  Soak& operator=(const Soak&) = delete;

  // Runs the whole soak; returns the number of violations.
  int run(const std::function<bool()>& interrupted);
  // The table of counts, one "name: value" per line, "violations: N" last.
  std::string table() const;

 private:
  // A fault that is undone at a later tick (thaw, SIGCONT, unmount, close).
  struct PendingUndo {
    int64_t tick = 0;
    std::string what;
    std::function<void()> undo;
  };

  void note(const std::string& line);
  void violation(const std::string& what);
  void count(const std::string& what, int64_t n = 1) { counts_[what] += n; }
  int64_t pick(int64_t lo, int64_t hi);  // uniform in [lo, hi]

  std::vector<std::string> agentFlags() const;
  void startAgent();
  void killAgent(const std::string& why);
  void warmUp();
  void tick(bool agentKillsAllowed);
  void undoDue(bool all);
  bool undoPending(const std::string& what) const;

  // Churn and manifest edits.
  void createPod();
  void deletePod();
  void editSpec();
  void editLabels();
  void brokenEdit();
  void duplicateName();
  void invalidBytes();
  void hugeFile();
  std::string randomPodFile();  // "" when there is none
  void writeManifest(const std::string& file, const std::string& text);
  void removeManifest(const std::string& file);

  // Faults.
  void killAgentMidStart();
  void killAgentMidDelete();
  void killShim();
  void killContainer();
  void killReaper();
  void stopAgent();
  void fillLogFs();
  void stateDirReadOnly();
  void removeCgroup();
  void freezeCgroup();
  void slowClients();
  void manyConnections();
  void wrkOnCadvisor();

  // Invariants.
  void checkHealth();
  void checkApi();
  void checkAgentProcess();
  bool converged(std::string& why);
  void checkQuiescent();
  void checkLogs();
  // The numbered lines of a counter pod, before it goes (deleted, or recreated by an edit).
  void checkPodLogs(const SoakPod& pod);
  void checkEmptyAndClean();
  void noteFds();
  // Samples podkeeper_container_log_entries_dropped_total (the loss while the log fs is full
  // must be counted by the agent, not only by the soak).
  void sampleDroppedMetric();
  double droppedByMetric() const { return droppedBanked_ + droppedLast_; }

  SoakOptions options_;
  std::mt19937_64 rng_;
  std::FILE* log_ = nullptr;
  std::chrono::steady_clock::time_point begin_;
  int64_t tick_ = 0;
  int nextId_ = 1;
  e2e::AgentHarness agent_;
  ManifestModel model_;
  std::vector<PendingUndo> pending_;
  std::vector<TimeWindow> fullWindows_;
  bool agentStopped_ = false;  // SIGSTOPped
  int agentStarts_ = 0;
  std::string stage_;  // what the tick is doing, for a failure of the soak itself

  std::map<std::string, int64_t> counts_;
  std::map<std::string, int> restartHigh_;   // uid/generation/container -> highest count
  std::map<std::string, int64_t> editedAt_;  // pod name -> tick of its last spec edit
  std::set<std::string> pidsSuspects_;       // pod cgroups whose pids.max was wrong once
  std::set<pid_t> lastZombies_;              // the agent's zombies at the last look
  int violations_ = 0;
  double slowestHealthMs_ = 0;
  ProcessFacts baseline_, atStart_, atEnd_;
  long peakRssKiB_ = 0;
  int64_t logLinesChecked_ = 0, logLinesLost_ = 0;
  double droppedLast_ = 0, droppedBanked_ = 0;  // the metric's last sum; what sums lost since
  // The RSS of the agent now running, sampled from two minutes after it started: (minutes
  // since it started, KiB). Its least-squares slope is the growth trend checked at the end.
  pid_t rssPid_ = 0;
  std::chrono::steady_clock::time_point rssSince_;
  std::vector<std::pair<double, double>> rssSamples_;
  double rssTrendKiBPerMin_ = 0, rssTrendMinutes_ = 0;
  void checkRssTrend();
};

}  // namespace podkeeper::soak
