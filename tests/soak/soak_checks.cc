// The soak's invariants: checked continuously while faults run, and after quiescence.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/soak/soak.h"
#include "tests/support/cgroup_tree.h"
#include "tests/support/text.h"

namespace podkeeper::soak {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

// Restart counts of a pod whose spec was edited this recently are not compared: its old
// instance's status may still be shown while the new one starts from zero.
constexpr int64_t kEditQuietTicks = 30;

std::string generationOf(const json& pod) {
  for (const auto& c : pod["spec"].value("containers", json::array()))
    for (const auto& e : c.value("env", json::array()))
      if (e.value("name", "") == "SOAK_GENERATION") return e.value("value", "");
  return "";
}

std::vector<json> statusesOf(const json& pod) {
  std::vector<json> out;
  const json status = pod.value("status", json::object());
  for (const char* list : {"initContainerStatuses", "containerStatuses"})
    for (const auto& s : status.value(list, json::array())) out.push_back(s);
  return out;
}

std::set<std::string> subdirs(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory(ec)) out.insert(e.path().filename().string());
  return out;
}

}  // namespace

void Soak::checkHealth() {
  if (agentStopped_) return;
  for (bool unixSocket : {true, false}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = unixSocket ? agent_.get("/healthz") : agent_.getTcp("/healthz");
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    slowestHealthMs_ = std::max(slowestHealthMs_, ms);
    count("invariant checks");
    if (r.status != 200)
      violation(std::string("/healthz on the ") + (unixSocket ? "unix socket" : "TCP port") +
                " answered " + std::to_string(r.status) + " after " + std::to_string(int(ms)) +
                " ms");
  }
}

void Soak::checkApi() {
  if (agentStopped_) return;
  auto r = agent_.get("/pods");
  count("invariant checks");
  if (r.status != 200) return violation("GET /pods answered " + std::to_string(r.status));
  const json list = json::parse(r.body, nullptr, false);
  if (list.is_discarded()) return violation("GET /pods: not JSON");
  for (const auto& pod : list.value("items", json::array())) {
    const std::string name = pod["metadata"].value("name", "");
    const std::string uid = pod["metadata"].value("uid", "");
    auto edited = editedAt_.find(name);
    if (edited != editedAt_.end() && tick_ - edited->second < kEditQuietTicks) continue;
    for (const auto& s : statusesOf(pod)) {
      const std::string key = uid + "/" + generationOf(pod) + "/" + s.value("name", "");
      const int restarts = s.value("restartCount", 0);
      auto [it, fresh] = restartHigh_.emplace(key, restarts);
      if (!fresh && restarts < it->second) {
        violation("restart count of " + name + "/" + s.value("name", "") + " went down from " +
                  std::to_string(it->second) + " to " + std::to_string(restarts));
      }
      it->second = std::max(it->second, restarts);
    }
  }
  // Every pod cgroup carries the pids limit the agent was given (the fork bomb's bound).
  std::set<std::string> now;
  for (const auto& cg : podCgroups(agent_.cgroupRoot())) {
    if (cg.hierarchy.find("/pids") == std::string::npos) continue;
    std::string max = support::readText(cg.dir + "/pids.max");
    if (max.empty() || max == "64\n") continue;
    if (pidsSuspects_.contains(cg.dir)) violation(cg.dir + "/pids.max is " + max);
    now.insert(cg.dir);
  }
  pidsSuspects_ = now;
}

void Soak::checkAgentProcess() {
  if (agentStopped_) return;
  const pid_t pid = agent_.agentPid();
  const ProcessFacts f = processFacts(pid);
  count("invariant checks");
  if (!f.found) return violation("the agent (pid " + std::to_string(pid) + ") is gone");
  peakRssKiB_ = std::max(peakRssKiB_, f.rssKiB);
  // A child reaped late is a zombie for a moment; one still there 5 s later is a leak.
  std::set<pid_t> zombies;
  for (pid_t z : zombieChildren(pid)) {
    if (lastZombies_.contains(z)) violation("zombie child " + std::to_string(z) + " of the agent");
    zombies.insert(z);
  }
  lastZombies_ = zombies;
  if (f.rssKiB > 256 * 1024) violation("agent RSS " + std::to_string(f.rssKiB) + " KiB");
  const auto now = std::chrono::steady_clock::now();
  if (pid != rssPid_) {
    rssPid_ = pid;
    rssSince_ = now;
    rssSamples_.clear();
  }
  const double minutes = std::chrono::duration<double>(now - rssSince_).count() / 60;
  if (minutes >= 2) {
    if (rssSamples_.empty() || minutes - rssSamples_.back().first >= 1.0)
      note("agent rss " + std::to_string(f.rssKiB) + " KiB, " + std::to_string(int(minutes)) +
           " min after its start");
    rssSamples_.push_back({minutes, double(f.rssKiB)});
  }
}

// Growth of the last agent's RSS (the last quarter kills no agent, so it has run at least
// that long): a leak shows as a slope that churn does not explain. Below four minutes of
// samples there is no trend to speak of.
void Soak::checkRssTrend() {
  if (rssSamples_.size() < 3) return;
  rssTrendMinutes_ = rssSamples_.back().first - rssSamples_.front().first;
  if (rssTrendMinutes_ < 4) return;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : rssSamples_) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double n = double(rssSamples_.size());
  rssTrendKiBPerMin_ = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  note("agent RSS trend " + std::to_string(rssTrendKiBPerMin_) + " KiB/min over " +
       std::to_string(rssTrendMinutes_) + " min");
  if (rssTrendKiBPerMin_ > 256)
    violation("agent RSS grows " + std::to_string(int(rssTrendKiBPerMin_)) + " KiB/min over " +
              std::to_string(int(rssTrendMinutes_)) + " min of churn");
}

bool Soak::converged(std::string& why) {
  auto r = agent_.get("/pods");
  if (r.status != 200) return why = "GET /pods answered " + std::to_string(r.status), false;
  const json list = json::parse(r.body, nullptr, false);
  std::map<std::string, json> pods;
  for (const auto& pod : list.value("items", json::array()))
    pods[pod["metadata"].value("name", "")] = pod;
  const auto expected = model_.expectedPods();
  std::set<std::string> uids;
  for (const auto& [name, want] : expected) {
    auto it = pods.find(name);
    if (it == pods.end()) return why = "pod " + name + " is not in the API", false;
    const json& pod = it->second;
    if (pod["metadata"].value("uid", "") != want.uid)
      return why = "pod " + name + " has uid " + pod["metadata"].value("uid", "") + ", not " +
                   want.uid,
             false;
    const json labels = pod["metadata"].value("labels", json::object());
    for (const auto& [k, v] : want.labels)
      if (labels.value(k, "") != v)
        return why = "pod " + name + " label " + k + " is " + labels.value(k, "") + ", not " + v,
               false;
    if (generationOf(pod) != std::to_string(want.generation))
      return why = "pod " + name + " runs generation " + generationOf(pod), false;
    uids.insert(want.uid);
    if (!settlesRunning(want.kind)) continue;
    for (const auto& c : appContainers(want.kind)) {
      const json s = e2e::containerStatus(pod, c);
      if (!s.is_object()) return why = name + "/" + c + " has no status", false;
      const json state = s.value("state", json::object());
      if (state.contains("running")) continue;
      if (state.contains("waiting") && state["waiting"].value("reason", "") == "CrashLoopBackOff")
        continue;  // killed often enough by the soak to back off: a restart will come
      return why = name + "/" + c + " is " + state.dump(), false;
    }
  }
  if (pods.size() != expected.size()) {
    for (const auto& [name, pod] : pods)
      if (!expected.contains(name)) return why = "pod " + name + " runs without a manifest", false;
  }
  // The machine agrees: pod cgroups, state directories and shims only of wanted pods.
  for (const auto& cg : podCgroups(agent_.cgroupRoot()))
    if (!uids.contains(cg.uid)) return why = "cgroup " + cg.dir + " of no wanted pod", false;
  for (const auto& uid : subdirs(agent_.stateDir() + "/pods"))
    if (!uids.contains(uid)) return why = "state dir pods/" + uid + " of no wanted pod", false;
  for (const auto& uid : subdirs(agent_.rootDir() + "/pods"))
    if (!uids.contains(uid)) return why = "root dir pods/" + uid + " of no wanted pod", false;
  for (pid_t shim : processesMentioning(agent_.stateDir() + "/pods/")) {
    std::string cmd = support::readText("/proc/" + std::to_string(shim) + "/cmdline");
    bool known = false;
    for (const auto& uid : uids)
      known = known || cmd.find("/pods/" + uid + "/") != std::string::npos;
    if (!known && e2e::alive(shim))
      return why = "process " + std::to_string(shim) + " of no wanted pod", false;
  }
  for (const auto& m : e2e::mountsUnder(agent_.stateDir() + "/pods")) {
    bool known = false;
    for (const auto& uid : uids)
      known = known || m.rfind(agent_.stateDir() + "/pods/" + uid + "/", 0) == 0;
    if (!known) return why = "mount " + m + " of no wanted pod", false;
  }
  return true;
}

// The sum over the agent's series. It falls when the agent restarts (its counters start
// again) or a pod's series go with the pod: what fell is banked, so the total is a lower
// bound of what the agent counted over the run.
void Soak::sampleDroppedMetric() {
  if (agentStopped_) return;
  auto r = agent_.getTcp("/metrics");
  if (r.status != 200) return;
  const std::string name = "podkeeper_container_log_entries_dropped_total{";
  double sum = 0;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) == 0) sum += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
  }
  if (sum < droppedLast_) droppedBanked_ += droppedLast_ - sum;
  droppedLast_ = sum;
}

void Soak::checkQuiescent() {
  note("quiescence: waiting for the agent to settle");
  count("quiescence checks");
  std::string why;
  if (!e2e::waitFor([&] { return converged(why); }, 180s, 500ms)) {
    violation("not settled after 180 s: " + why);
  } else {
    note("settled");
  }
  checkLogs();
}

void Soak::checkLogs() {
  for (const auto& [name, pod] : model_.expectedPods()) checkPodLogs(pod);
}

void Soak::checkPodLogs(const SoakPod& pod) {
  const std::string container = counterContainer(pod.kind);
  if (container.empty()) return;
  const std::string dir =
      agent_.logDir() + "/default_" + pod.name + "_" + pod.uid + "/" + container;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string text = support::readText(e.path().string());
    if (!text.empty() && text.back() != '\n') text.erase(text.rfind('\n') + 1);  // mid-write
    const LogLineCheck c = checkNumberedLog(text, fullWindows_);
    count("invariant checks");
    logLinesChecked_ += c.lines;
    logLinesLost_ += c.lostWhileFull;
    for (size_t i = 0; i < c.problems.size() && i < 3; ++i)
      violation("log " + e.path().string() + ": " + c.problems[i]);
  }
}

// What the agent's fds point at, by kind, for a run whose fd count grew.
void Soak::noteFds() {
  std::map<std::string, int> kinds;
  std::error_code ec;
  const std::string dir = "/proc/" + std::to_string(agent_.agentPid()) + "/fd";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string target = fs::read_symlink(e.path(), ec).string();
    if (target.find(':') != std::string::npos) target = target.substr(0, target.find(':'));
    kinds[target]++;
  }
  for (const auto& [target, n] : kinds) note("  agent fd: " + std::to_string(n) + " x " + target);
}

void Soak::checkEmptyAndClean() {
  note("deleting every manifest");
  for (const auto& [file, f] : std::map(model_.files())) {
    removeManifest(file);
    model_.remove(file);
  }
  std::string why;
  const bool empty = e2e::waitFor(
      [&] {
        auto r = agent_.get("/pods");
        const json list = json::parse(r.body, nullptr, false);
        return r.status == 200 && list.value("items", json::array()).empty() &&
               subdirs(agent_.stateDir() + "/pods").empty();
      },
      120s, 500ms);
  if (!empty) violation("pods left 120 s after every manifest was removed");
  std::this_thread::sleep_for(3s);     // the last removals' stragglers
  agent_.getTcp("/metrics/cadvisor");  // closes the exporter's fds of the removed cgroups
  count("invariant checks");
  const std::string root = agent_.cgroupRoot();
  for (const auto& cg : podCgroups(root)) violation("leaked cgroup " + cg.dir);
  // The agent's own: the shims it started ahead of the next start (ShimStandby), waiting in
  // the shims' cgroup with no container; at most two.
  const auto standby = processesMentioning("podkeeper-shim --standby ");
  std::set<pid_t> waiting;
  for (pid_t p : standby)
    if (support::readText("/proc/" + std::to_string(p) + "/cmdline").find(agent_.stateDir()) !=
        std::string::npos)
      waiting.insert(p);
  if (waiting.size() > 2)
    violation(std::to_string(waiting.size()) + " shims waiting for a container, more than 2");
  for (const auto& h : support::cgroupHierarchies())
    for (pid_t p : pidsUnder(h + "/" + root))
      if (!waiting.contains(p))
        violation("leaked process " + std::to_string(p) + " in " + h + "/" + root);
  for (const auto& m : e2e::mountsUnder(agent_.stateDir())) violation("leaked mount " + m);
  for (const auto& m : e2e::mountsUnder(agent_.rootDir())) violation("leaked mount " + m);
  // And the helper holding a pod's namespaces made ahead (NamespaceStandby): a child of the
  // agent named podkeeper-ns, whose command line is the agent's (it shares its memory); one.
  std::set<pid_t> nsWaiting;
  for (pid_t p : processesMentioning(agent_.stateDir()))
    if (parentOf(p) == agent_.agentPid() &&
        support::readText("/proc/" + std::to_string(p) + "/comm") == "podkeeper-ns\n")
      nsWaiting.insert(p);
  if (nsWaiting.size() > 1)
    violation(std::to_string(nsWaiting.size()) +
              " namespace helpers waiting for a pod, more than 1");
  for (pid_t p : processesMentioning(agent_.stateDir()))
    if (p != agent_.agentPid() && !waiting.contains(p) && !nsWaiting.contains(p) && e2e::alive(p))
      violation("leaked process " + std::to_string(p) + " of the state dir");
  for (const auto& d : subdirs(agent_.logDir())) violation("leaked log dir " + d);
  for (const auto& d : subdirs(agent_.rootDir() + "/pods")) violation("leaked root dir " + d);
  for (pid_t z : zombieChildren(agent_.agentPid())) violation("zombie " + std::to_string(z));
  atEnd_ = processFacts(agent_.agentPid());
  note("end: rss " + std::to_string(atEnd_.rssKiB) + " KiB, fds " + std::to_string(atEnd_.fds) +
       ", threads " + std::to_string(atEnd_.threads));
  if (atEnd_.fds > baseline_.fds + 2) {
    violation("agent fds grew from " + std::to_string(baseline_.fds) + " to " +
              std::to_string(atEnd_.fds));
    noteFds();
  }
  if (atEnd_.threads > baseline_.threads + 2)
    violation("agent threads grew from " + std::to_string(baseline_.threads) + " to " +
              std::to_string(atEnd_.threads));
  if (atEnd_.rssKiB > baseline_.rssKiB * 3 / 2 + 16 * 1024)
    violation("agent RSS grew from " + std::to_string(baseline_.rssKiB) + " KiB to " +
              std::to_string(atEnd_.rssKiB) + " KiB");
}

}  // namespace podkeeper::soak
