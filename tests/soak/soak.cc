#include "tests/soak/soak.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <thread>

#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/support/cgroup_tree.h"
#include "tests/support/text.h"

namespace podkeeper::soak {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
constexpr const char* kLogTmpfsSize = "96m";

}  // namespace

Soak::Soak(SoakOptions options) : options_(std::move(options)), rng_(options_.seed) {
  // "e": O_CLOEXEC, so the agents the soak starts do not inherit it.
  log_ = std::fopen(options_.logPath.c_str(), "we");
  if (!log_) throw std::runtime_error("cannot write " + options_.logPath);
  begin_ = std::chrono::steady_clock::now();
  note("seed " + std::to_string(options_.seed) + ", " + std::to_string(options_.minutes) +
       " minutes, cgroup root " + agent_.cgroupRoot() + ", state " + agent_.stateDir());
}

Soak::~Soak() {
  undoDue(true);
  if (agentStopped_) ::kill(agent_.agentPid(), SIGCONT);
  if (violations_ == 0) {
    std::fclose(log_);
    return;
  }
  // The harness removes its directory; a failed run keeps the agent's logs beside its own.
  const fs::path base = fs::path(agent_.stateDir()).parent_path();
  const fs::path keep = options_.logPath + ".agent-logs";
  std::error_code ec;
  fs::create_directories(keep, ec);
  for (const auto& e : fs::directory_iterator(base, ec))
    if (e.path().filename().string().rfind("agent.log", 0) == 0)
      fs::copy_file(e.path(), keep / e.path().filename(), fs::copy_options::overwrite_existing, ec);
  std::fprintf(stderr, "soak: the agent's logs are in %s\n", keep.c_str());
  std::fclose(log_);
}

void Soak::note(const std::string& line) {
  const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin_).count();
  char stamp[64];
  std::snprintf(stamp, sizeof stamp, "%8.2fs tick %4lld  ", t, static_cast<long long>(tick_));
  std::fprintf(log_, "%s%s\n", stamp, line.c_str());
  std::fflush(log_);
}

void Soak::violation(const std::string& what) {
  ++violations_;
  note("VIOLATION " + what);
  std::fprintf(stderr, "soak: VIOLATION at tick %lld: %s\n", static_cast<long long>(tick_),
               what.c_str());
}

int64_t Soak::pick(int64_t lo, int64_t hi) { return lo + int64_t(rng_() % uint64_t(hi - lo + 1)); }

std::vector<std::string> Soak::agentFlags() const {
  return {"--pod-pids-limit",          "64", "--container-log-max-size", "1Mi",
          "--container-log-max-files", "2"};
}

void Soak::startAgent() {
  // Each agent gets a fresh log (the harness scans it for the port): the old ones are kept
  // beside it, and copied next to the soak log when the run failed.
  const fs::path base = fs::path(agent_.stateDir()).parent_path();
  std::error_code ec;
  if (fs::exists(base / "agent.log"))
    fs::rename(base / "agent.log", base / ("agent.log." + std::to_string(++agentStarts_)), ec);
  try {
    agent_.start(agentFlags());
  } catch (const std::exception& e) {
    violation(std::string("agent did not come up: ") + e.what());
    agent_.stop();
    agent_.start(agentFlags());  // once more; a second failure ends the run
  }
  note("agent up, pid " + std::to_string(agent_.agentPid()));
}

void Soak::killAgent(const std::string& why) {
  note("kill -9 agent " + std::to_string(agent_.agentPid()) + " (" + why + ")");
  if (agentStopped_) {
    ::kill(agent_.agentPid(), SIGCONT);
    agentStopped_ = false;
  }
  ::kill(agent_.agentPid(), SIGKILL);
  agent_.stop();  // reaps it
  startAgent();
}

// One pod per kind the agent runs first, started and deleted, so the baseline of fds and
// threads is taken from an agent that has already done everything once.
void Soak::warmUp() {
  std::vector<std::string> files;
  for (int k = 0; k < 3; ++k) {
    SoakPod p = makePod(PodKind(k), nextId_++);
    const std::string file = "warm-" + p.name + ".yaml";
    writeManifest(file, manifestYaml(p));
    model_.writeGood(file, p);
    files.push_back(file);
  }
  std::string why;
  if (!e2e::waitFor([&] { return converged(why); }, 60s)) violation("warm-up: " + why);
  agent_.getTcp("/metrics/cadvisor");
  agent_.get("/pods");
  for (const auto& f : files) {
    removeManifest(f);
    model_.remove(f);
  }
  if (!e2e::waitFor([&] { return converged(why); }, 60s)) violation("warm-up end: " + why);
  std::this_thread::sleep_for(2s);
  // The exporter keeps cgroup files open until the first scrape that no longer lists them.
  agent_.getTcp("/metrics/cadvisor");
  baseline_ = processFacts(agent_.agentPid());
  noteFds();
  note("baseline: rss " + std::to_string(baseline_.rssKiB) + " KiB, fds " +
       std::to_string(baseline_.fds) + ", threads " + std::to_string(baseline_.threads));
}

int Soak::run(const std::function<bool()>& interrupted) {
  const std::string logDir = agent_.logDir();
  fs::create_directories(logDir);
  if (::mount("soak-logs", logDir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              (std::string("size=") + kLogTmpfsSize + ",mode=0755").c_str()) != 0)
    throw std::runtime_error("mount tmpfs on " + logDir + ": " + std::strerror(errno));
  startAgent();
  atStart_ = processFacts(agent_.agentPid());
  warmUp();

  const int64_t ticks = int64_t(options_.minutes) * 60;
  const int64_t lastKillTick = ticks * 3 / 4;  // the last quarter measures one agent's leaks
  const auto tickLength = 1s;
  auto next = std::chrono::steady_clock::now();
  for (tick_ = 1; tick_ <= ticks && !interrupted(); ++tick_) {
    next += tickLength;
    // A failure of the soak itself is a violation that names the step; the run goes on.
    try {
      stage_ = "undo";
      undoDue(false);
      tick(tick_ <= lastKillTick);
      stage_ = "health check";
      checkHealth();
      if (tick_ % 5 == 0) {
        stage_ = "API and agent checks";
        checkApi();
        checkAgentProcess();
        sampleDroppedMetric();
      }
    } catch (const std::exception& e) {
      violation("soak error in " + stage_ + ": " + e.what());
    }
    // A long run settles every ten minutes and checks everything, not only at the end.
    if (tick_ % 600 == 0 && tick_ < ticks) {
      undoDue(true);
      checkQuiescent();
    }
    // An action that took long (an agent restart) delays the schedule; ticks do not bunch up.
    next = std::max(next, std::chrono::steady_clock::now());
    std::this_thread::sleep_until(next);
  }
  undoDue(true);
  if (agentStopped_) ::kill(agent_.agentPid(), SIGCONT);
  checkQuiescent();
  checkRssTrend();
  sampleDroppedMetric();
  if (logLinesLost_ > 0 && droppedByMetric() == 0) {
    violation(std::to_string(logLinesLost_) +
              " log lines were lost while the log fs was full, but "
              "podkeeper_container_log_entries_dropped_total never counted one");
  }
  checkEmptyAndClean();
  return violations_;
}

void Soak::tick(bool agentKillsAllowed) {
  struct Action {
    int weight;
    void (Soak::*run)();
    bool killsAgent;
    const char* name;
  };
  static const Action actions[] = {
      {14, &Soak::createPod, false, "create"},
      {8, &Soak::deletePod, false, "delete"},
      {5, &Soak::editSpec, false, "spec edit"},
      {5, &Soak::editLabels, false, "label edit"},
      {2, &Soak::brokenEdit, false, "broken edit"},
      {2, &Soak::duplicateName, false, "duplicate"},
      {1, &Soak::invalidBytes, false, "invalid bytes"},
      {1, &Soak::hugeFile, false, "huge file"},
      {2, &Soak::killAgentMidStart, true, "kill agent mid-start"},
      {2, &Soak::killAgentMidDelete, true, "kill agent mid-delete"},
      {3, &Soak::killShim, false, "kill shim"},
      {4, &Soak::killContainer, false, "kill container"},
      {1, &Soak::killReaper, false, "kill reaper"},
      {1, &Soak::stopAgent, false, "SIGSTOP agent"},
      {1, &Soak::fillLogFs, false, "fill log fs"},
      {1, &Soak::stateDirReadOnly, false, "state dir read-only"},
      {1, &Soak::removeCgroup, false, "remove cgroup"},
      {1, &Soak::freezeCgroup, false, "freeze cgroup"},
      {1, &Soak::slowClients, false, "slow clients"},
      {1, &Soak::manyConnections, false, "many connections"},
      {1, &Soak::wrkOnCadvisor, false, "wrk"},
  };
  static constexpr int kIdle = 20;  // ticks without an action
  int total = kIdle;
  for (const auto& a : actions) total += a.weight;
  int64_t r = pick(0, total - 1);
  // Plain kill -9 of the agent at any moment, besides the mid-start and mid-delete ones.
  const bool plainKill = pick(0, 29) == 0;
  for (const auto& a : actions) {
    if (r < a.weight) {
      if (a.killsAgent && (!agentKillsAllowed || undoPending("state-ro"))) return;
      stage_ = a.name;
      (this->*a.run)();
      break;
    }
    r -= a.weight;
  }
  stage_ = "kill agent";
  if (plainKill && agentKillsAllowed && !undoPending("state-ro")) {
    count("fault: kill -9 agent");
    killAgent("at random");
  }
}

void Soak::undoDue(bool all) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (all || it->tick <= tick_) {
      note("undo " + it->what);
      it->undo();
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

bool Soak::undoPending(const std::string& what) const {
  for (const auto& p : pending_)
    if (p.what.rfind(what, 0) == 0) return true;
  return false;
}

std::string Soak::table() const {
  std::ostringstream out;
  out << "seed: " << options_.seed << "\n";
  out << "minutes: " << options_.minutes << "\n";
  for (const auto& [k, v] : counts_) out << k << ": " << v << "\n";
  out << "log lines checked exactly once: " << logLinesChecked_ << "\n";
  out << "log lines lost while the log fs was full: " << logLinesLost_ << "\n";
  out << "log entries dropped, per the agent's metric (sampled every 5 s): "
      << int64_t(droppedByMetric()) << "\n";
  out << "slowest /healthz (ms): " << int64_t(slowestHealthMs_) << "\n";
  out << "agent RSS KiB start / after warm-up / end: " << atStart_.rssKiB << " / "
      << baseline_.rssKiB << " / " << atEnd_.rssKiB << " (peak " << peakRssKiB_ << ")\n";
  out << "agent RSS trend of the last agent (KiB/min, over min): " << int64_t(rssTrendKiBPerMin_)
      << " over " << int64_t(rssTrendMinutes_) << "\n";
  out << "agent fds start / after warm-up / end: " << atStart_.fds << " / " << baseline_.fds
      << " / " << atEnd_.fds << "\n";
  out << "agent threads start / after warm-up / end: " << atStart_.threads << " / "
      << baseline_.threads << " / " << atEnd_.threads << "\n";
  out << "violations: " << violations_ << "\n";
  return out.str();
}

}  // namespace podkeeper::soak
