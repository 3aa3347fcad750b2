// pk-bench-churn: many one-container pods (busybox sleep) dropped into the manifest directory
// at once, then all deleted at once, then an idle period with fewer pods running.
//
// "Running" is the agent's own verdict: its log line "pod NS/NAME: all containers running",
// counted as it appears (polled every 5 ms). "Gone" is: the state dir's pods/ is empty, the
// agent logged "removed" for every pod, and no pod cgroup is left in any hierarchy.
// Agent CPU is utime+stime from /proc/<pid>/stat, RSS is VmRSS from /proc/<pid>/status.
// The runc peer starts the same number of `sleep` containers with `runc run -d` (a few at
// a time) and deletes them with `runc delete -f`.
// During each burst /healthz is asked over the agent's unix socket every 5 ms (its p99), and
// the loop's own lag is read from podkeeper_loop_lag_seconds before and after (the p99 is the
// bucket bound holding 99 % of the burst's samples).

#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent_probe.h"
#include "harness.h"
#include "report.h"
#include "runc_peer.h"

using namespace pkbench;

namespace {

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kPollUs = 5'000;

struct Options : CommonOptions {
  int pods = 200;
  int idlePods = 100;
  int idleSeconds = 60;
  int grace = 0;
  int timeoutSeconds = 180;
  int runcJobs = 2;
  int scrapes = 20;
  bool noRunc = false;
};

struct Pod {
  std::string file, uid;
};

std::string uidFor(int batch, int i) {
  char uid[64];
  std::snprintf(uid, sizeof uid, "%08x-0000-4000-%04x-%012x", unsigned(getpid()), batch, i);
  return uid;
}

std::vector<Pod> stagePods(Workspace& ws, const Options& o, int batch, int n) {
  std::vector<Pod> pods;
  for (int i = 0; i < n; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "churn%d-%03d", batch, i);
    Pod p{std::string(name) + ".yaml", uidFor(batch, i)};
    ws.stage(p.file, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + std::string(name) +
                         "\n  namespace: default\n  uid: " + p.uid +
                         "\nspec:\n  terminationGracePeriodSeconds: " + std::to_string(o.grace) +
                         "\n  containers:\n    - name: c\n      image: busybox\n"
                         "      command: [\"sleep\", \"3600\"]\n");
    pods.push_back(p);
  }
  return pods;
}

// Times (ms after t0) at which the count of lines with needle reached 1, 2, ... n.
struct Progress {
  std::vector<double> at;
  bool done = false;
};

Progress waitLines(LineCounter& lines, size_t needle, size_t base, size_t n, int64_t t0,
                   int64_t timeoutNs, const std::function<bool()>& alsoDone) {
  Progress p;
  waitFor(
      [&] {
        lines.update();
        size_t c = lines.count(needle) - base;
        double now = toMs(nowNs() - t0);
        while (p.at.size() < std::min(c, n)) p.at.push_back(now);
        p.done = c >= n && alsoDone();
        return p.done;
      },
      timeoutNs, kPollUs);
  return p;
}

bool noPodCgroups(const std::string& root) {
  for (const auto& m : cgroupMounts())
    for (const auto& qos : {std::string(""), std::string("/besteffort"), std::string("/burstable")})
      for (const auto& d : listDir(m + "/" + root + qos))
        if (d.rfind("pod", 0) == 0) return false;
  return true;
}

struct PhaseResult {
  double allMs = 0, p50Ms = 0, p90Ms = 0, cpuSeconds = 0;
  double lagP99Ms = -1, lagMaxMs = -1, lagSamples = 0, healthP99Ms = 0, healthMaxMs = 0;
  size_t healthN = 0;
};

// Watches the agent's responsiveness from before a burst to its end.
struct BurstWatch {
  explicit BurstWatch(const Workspace& ws)
      : socket(ws.state() + "/pk.sock"),
        lag0(histogramBuckets(unixGet(socket, "/metrics"), "podkeeper_loop_lag_seconds")),
        health(socket, 5) {
    health.start();
  }
  void finish(PhaseResult& r) {
    auto ms = health.stop();
    r.healthN = ms.size();
    r.healthP99Ms = percentile(ms, 0.99);
    r.healthMaxMs = percentile(ms, 1.0);
    auto lag1 = histogramBuckets(unixGet(socket, "/metrics"), "podkeeper_loop_lag_seconds");
    const double bound = quantileBound(lag0, lag1, 0.99);
    r.lagP99Ms = bound < 0 ? -1 : bound * 1000;
    const double top = quantileBound(lag0, lag1, 1.0);
    r.lagMaxMs = top < 0 ? -1 : top * 1000;
    // The +Inf bucket counts every sample: fewer than a hundred make the p99 the maximum.
    if (!lag1.empty())
      r.lagSamples = lag1.rbegin()->second - (lag0.empty() ? 0 : lag0.rbegin()->second);
  }
  std::string socket;
  std::map<double, double> lag0;
  HealthProber health;
};

PhaseResult dropAll(Workspace& ws, LineCounter& lines, const std::vector<Pod>& pods,
                    const Options& o) {
  lines.update();
  size_t base = lines.count(0);
  auto u0 = procUsage(ws.agentPid());
  BurstWatch watch(ws);
  const int64_t t0 = nowNs();
  for (const auto& p : pods) ws.publish(p.file);
  auto prog =
      waitLines(lines, 0, base, pods.size(), t0, o.timeoutSeconds * kSec, [] { return true; });
  auto u1 = procUsage(ws.agentPid());
  PhaseResult r;
  watch.finish(r);
  if (!prog.done)
    throw std::runtime_error(std::to_string(prog.at.size()) + " of " + std::to_string(pods.size()) +
                             " pods running after " + std::to_string(o.timeoutSeconds) + " s; " +
                             ws.agentLogTail());
  auto s = summarize(prog.at);
  r.allMs = prog.at.back();
  r.p50Ms = s.median;
  r.p90Ms = s.p90;
  r.cpuSeconds = u1.cpuSeconds - u0.cpuSeconds;
  return r;
}

PhaseResult deleteAll(Workspace& ws, LineCounter& lines, const std::vector<Pod>& pods,
                      const Options& o) {
  lines.update();
  size_t base = lines.count(1);
  auto u0 = procUsage(ws.agentPid());
  BurstWatch watch(ws);
  const int64_t t0 = nowNs();
  for (const auto& p : pods) ws.withdraw(p.file);
  auto prog = waitLines(lines, 1, base, pods.size(), t0, o.timeoutSeconds * kSec,
                        [&] { return ws.noPods() && noPodCgroups(ws.cgroupRoot()); });
  auto u1 = procUsage(ws.agentPid());
  PhaseResult r;
  watch.finish(r);
  if (!prog.done)
    throw std::runtime_error("pods not all gone " + std::to_string(o.timeoutSeconds) +
                             " s after deleting their manifests; " + ws.agentLogTail());
  auto s = summarize(prog.at);
  r.allMs = toMs(nowNs() - t0);
  r.p50Ms = s.median;
  r.p90Ms = s.p90;
  r.cpuSeconds = u1.cpuSeconds - u0.cpuSeconds;
  return r;
}

// With every pod running: `n` scrapes of /metrics/cadvisor back to back (each reads every
// container's cgroup files), /healthz and the loop lag watched meanwhile. allMs is the median
// scrape's time, p90Ms its p90.
PhaseResult scrapeAll(Workspace& ws, int n) {
  const std::string socket = ws.state() + "/pk.sock";
  BurstWatch watch(ws);
  std::vector<double> ms;
  size_t bytes = 0;
  for (int i = 0; i < n; ++i) {
    double seconds = 0;
    bytes = unixGet(socket, "/metrics/cadvisor", &seconds).size();
    ms.push_back(seconds * 1000);
    checkInterrupted();
  }
  PhaseResult r;
  watch.finish(r);
  auto s = summarize(ms);
  r.allMs = s.median;
  r.p90Ms = s.p90;
  std::fprintf(stderr, "churn: %d scrapes of %zu bytes\n", n, bytes);
  return r;
}

// Runs every argv with at most `jobs` at a time; returns ms until the last one exited.
double runParallel(const std::vector<std::vector<std::string>>& cmds, int jobs, int& failures) {
  const int64_t t0 = nowNs();
  std::vector<pid_t> running;
  size_t next = 0;
  failures = 0;
  while (next < cmds.size() || !running.empty()) {
    while (next < cmds.size() && int(running.size()) < jobs) running.push_back(spawn(cmds[next++]));
    for (size_t i = 0; i < running.size();) {
      int status = 0;
      if (::waitpid(running[i], &status, WNOHANG) == running[i]) {
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failures;
        running.erase(running.begin() + long(i));
      } else {
        ++i;
      }
    }
    checkInterrupted();
    sleepUs(500);
  }
  return toMs(nowNs() - t0);
}

void row(const char* label, const std::string& pk, const std::string& peer,
         const std::string& ratio) {
  std::printf("  %-48s %16s %16s %8s\n", label, pk.c_str(), peer.c_str(), ratio.c_str());
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

std::string ratio(double a, double b) { return b > 0 ? fmt("%.2fx", a / b) : "-"; }

void responsiveness(const PhaseResult& r) {
  row("  loop lag p99 during the burst (bucket bound), ms",
      r.lagP99Ms < 0 ? std::string("-") : "<= " + fmt("%.1f", r.lagP99Ms), "-", "-");
  row("  loop lag samples / max (bucket bound), ms",
      fmt("%.0f", r.lagSamples) + " / " +
          (r.lagMaxMs < 0 ? std::string("-") : "<= " + fmt("%.1f", r.lagMaxMs)),
      "-", "-");
  row("  /healthz p99 / max during the burst, ms",
      fmt("%.1f", r.healthP99Ms) + " / " + fmt("%.1f", r.healthMaxMs), "-", "-");
  row("  /healthz requests during the burst", fmt("%.0f", double(r.healthN)), "-", "-");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"podkeeper churn: many pods at once, then idle"};
  addCommonOptions(app, o, argv[0]);
  app.add_option("--pods", o.pods, "pods dropped at once");
  app.add_option("--idle-pods", o.idlePods, "pods running during the idle measurement");
  app.add_option("--idle-seconds", o.idleSeconds, "length of the idle measurement");
  app.add_option("--grace", o.grace, "terminationGracePeriodSeconds of the pods");
  app.add_option("--timeout", o.timeoutSeconds, "limit per phase, seconds");
  app.add_option("--runc-jobs", o.runcJobs, "runc commands run at the same time (peer)");
  app.add_option("--scrapes", o.scrapes,
                 "/metrics/cadvisor scrapes back to back with every pod running");
  app.add_flag("--no-runc", o.noRunc, "skip the runc peer");
  CLI11_PARSE(app, argc, argv);

  installInterruptHandlers();
  printReportHeader("podkeeper churn", "", o, {argv, argv + argc});
  std::printf(
      "pods: busybox [sleep 3600], BestEffort, terminationGracePeriodSeconds %d (sleep as pid 1 "
      "ignores SIGTERM)\nrunning = agent log \"all containers running\"; gone = pods/ empty, "
      "\"removed\" logged, no pod cgroup left\n",
      o.grace);
  std::fflush(stdout);

  return runReport("pk-bench-churn", [&] {
    Workspace ws(o.workDir, o.cgroupRoot);
    ws.keepAgentLog(o.agentLog);
    RuncPeer runc(ws, o.runc, busyboxRootfs(o));
    ws.startAgent(o.podkeeper, o.imageDir);
    LineCounter lines(ws.agentLog(), {"all containers running", ": removed (uid "});
    sleepUs(500'000);
    auto idle0 = procUsage(ws.agentPid());

    auto pods = stagePods(ws, o, 1, o.pods);
    std::fprintf(stderr, "churn: dropping %d pods\n", o.pods);
    auto up = dropAll(ws, lines, pods, o);
    auto atPeak = procUsage(ws.agentPid());
    std::vector<double> shimRss;
    for (const auto& p : pods) {
      auto st =
          nlohmann::json::parse(readFile(ws.pods() + "/" + p.uid + "/containers/c/state.json"));
      shimRss.push_back(double(procUsage(st.at("shimPid").get<pid_t>()).rssKiB));
    }
    auto shim = summarize(shimRss);
    std::fprintf(stderr, "churn: scraping %d times\n", o.scrapes);
    auto scrape = scrapeAll(ws, o.scrapes);
    std::fprintf(stderr, "churn: deleting %d pods\n", o.pods);
    auto down = deleteAll(ws, lines, pods, o);
    auto afterDown = procUsage(ws.agentPid());

    auto idlePods = stagePods(ws, o, 2, o.idlePods);
    std::fprintf(stderr, "churn: %d pods for the idle period\n", o.idlePods);
    auto idleUp = dropAll(ws, lines, idlePods, o);
    sleepUs(2'000'000);
    auto i0 = procUsage(ws.agentPid());
    const int64_t ti0 = nowNs();
    std::fprintf(stderr, "churn: idle %d s\n", o.idleSeconds);
    waitFor([] { return false; }, int64_t(o.idleSeconds) * kSec, 100'000);
    auto i1 = procUsage(ws.agentPid());
    double idleSecs = double(nowNs() - ti0) / 1e9;
    auto idleDown = deleteAll(ws, lines, idlePods, o);

    PhaseResult rUp, rDown;
    int upFail = 0, downFail = 0;
    if (!o.noRunc) {
      std::fprintf(stderr, "churn: runc peer, %d containers\n", o.pods);
      std::vector<std::vector<std::string>> runs, deletes;
      for (int i = 0; i < o.pods; ++i) {
        std::string b = "churn-" + std::to_string(i);
        runc.makeBundle(b, {"sleep", "3600"});
        std::string id = "pkb-" + std::to_string(getpid()) + "-" + std::to_string(i);
        runs.push_back(runc.command({"run", "-d", "--bundle", runc.bundleDir(b), id}));
        deletes.push_back(runc.command({"delete", "-f", id}));
      }
      rUp.allMs = runParallel(runs, o.runcJobs, upFail);
      rDown.allMs = runParallel(deletes, o.runcJobs, downFail);
    }

    std::printf("\n  %-48s %16s %16s %8s\n", "", "podkeeper", "runc", "ratio");
    auto peer = [&](double v) { return o.noRunc ? std::string("-") : fmt("%.0f", v); };
    row(("start " + std::to_string(o.pods) + " pods at once: all running, ms").c_str(),
        fmt("%.0f", up.allMs), peer(rUp.allMs), o.noRunc ? "-" : ratio(up.allMs, rUp.allMs));
    row("  per pod, time to running: median / p90, ms",
        fmt("%.0f", up.p50Ms) + " / " + fmt("%.0f", up.p90Ms), "-", "-");
    row("  agent CPU during the start, s", fmt("%.2f", up.cpuSeconds), "-", "-");
    responsiveness(up);
    row(("scrape /metrics/cadvisor, " + std::to_string(o.pods) + " pods: median / p90, ms").c_str(),
        fmt("%.1f", scrape.allMs) + " / " + fmt("%.1f", scrape.p90Ms), "-", "-");
    responsiveness(scrape);
    row(("delete " + std::to_string(o.pods) + " pods at once: all gone, ms").c_str(),
        fmt("%.0f", down.allMs), peer(rDown.allMs),
        o.noRunc ? "-" : ratio(down.allMs, rDown.allMs));
    row("  per pod, time to removed: median / p90, ms",
        fmt("%.0f", down.p50Ms) + " / " + fmt("%.0f", down.p90Ms), "-", "-");
    row("  agent CPU during the delete, s", fmt("%.2f", down.cpuSeconds), "-", "-");
    responsiveness(down);
    row("agent VmRSS idle before any pod, MiB", fmt("%.1f", idle0.rssKiB / 1024.0), "-", "-");
    row(("agent VmRSS with " + std::to_string(o.pods) + " pods running, MiB").c_str(),
        fmt("%.1f", atPeak.rssKiB / 1024.0), "-", "-");
    row("agent VmHWM (peak) after the start, MiB", fmt("%.1f", atPeak.hwmKiB / 1024.0), "-", "-");
    row("agent VmRSS after all were deleted, MiB", fmt("%.1f", afterDown.rssKiB / 1024.0), "-",
        "-");
    row("shim VmRSS, median / max over all shims, KiB",
        fmt("%.0f", shim.median) + " / " + fmt("%.0f", shim.max), "no shim", "-");
    row(("start " + std::to_string(o.idlePods) + " pods at once: all running, ms").c_str(),
        fmt("%.0f", idleUp.allMs), "-", "-");
    row(("agent VmRSS with " + std::to_string(o.idlePods) + " pods running, MiB").c_str(),
        fmt("%.1f", i1.rssKiB / 1024.0), "-", "-");
    row(("idle: agent CPU over " + fmt("%.0f", idleSecs) + " s, " + std::to_string(o.idlePods) +
         " pods, s")
            .c_str(),
        fmt("%.3f", i1.cpuSeconds - i0.cpuSeconds), "-", "-");
    row("idle: agent CPU, % of one core",
        fmt("%.2f", 100 * (i1.cpuSeconds - i0.cpuSeconds) / idleSecs), "-", "-");
    // The same from the threads' schedstat, in ns (the rows above move in 10 ms ticks, a
    // sixtieth of the 0.05% target over a minute); only when no thread came or went.
    row("idle: agent CPU from thread schedstat, % of one core",
        i0.tids == i1.tids
            ? fmt("%.3f", 100 * (i1.threadCpuSeconds - i0.threadCpuSeconds) / idleSecs)
            : std::string("threads changed"),
        "-", "-");
    row(("delete " + std::to_string(o.idlePods) + " pods at once: all gone, ms").c_str(),
        fmt("%.0f", idleDown.allMs), "-", "-");
    if (!o.noRunc)
      std::printf(
          "  runc: %d at a time; failures: run %d, delete %d; runc -d keeps no monitor "
          "process\n",
          o.runcJobs, upFail, downFail);
    std::printf("  loadavg at end: %s\n", loadavg().c_str());
  });
}
