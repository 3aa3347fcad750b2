// pk-bench-start: start and stop latency of one pod, podkeeper next to runc, interleaved run
// by run so that noise from other work on the machine hits both alike.
//
//   start  rename() of a one-container manifest into the watched directory until the
//          container's first output line ("started") is in its CRI log file; runc: fork of
//          `runc run -d` until the same line arrives on the container's stdout pipe.
//   stop   unlink() of the manifest until the container's processes, its shim and every pod
//          cgroup are gone (and, second column, until the agent removed the pod's state);
//          runc: `runc kill ID TERM`, wait for the container's init to exit, `runc delete`.
//   pair   start of a pod with two containers sharing an emptyDir until both printed
//          "started"; runc: two `runc run -d` one after the other (no shared namespaces), both
//          bind-mounting one host directory at /shared, until both printed.
//
// The agent runs with --log-level debug: after each start its per-stage timeline (see
// runtime/sys/start_timeline.h) is read from its log and summarized per stage, with the
// shims' VmRSS. By default the agent gets an empty CNI directory (pods get a network
// namespace with only lo, as the runc bundles do); --cni-conf-dir measures a real network.

#include <poll.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness.h"
#include "report.h"
#include "runc_peer.h"
#include "timeline.h"

using namespace pkbench;

namespace {

constexpr int64_t kSec = 1'000'000'000;
const char* kMarker = "started";
const char* kScript = "trap 'exit 0' TERM; echo started; while :; do sleep 1 & wait $!; done";

struct Options : CommonOptions {
  std::string rawFile;
  std::string only = "all";
  int runs = 50;
  int stopRuns = 20;
  int pairRuns = 20;
  int pollUs = 200;
  int warmup = 1;
  std::string cniConfDir;  // "" = an empty directory: no CNI network
  bool seccompDefault = false;
};

struct PodHandle {
  std::string file, name, uid;
  std::vector<std::string> containers;
};

class Bench {
 public:
  Bench(const Options& o, Workspace& ws, RuncPeer& runc)
      : o_(o), ws_(ws), runc_(runc), stages_(ws.agentLog()) {}

  // The agent's stage timeline of the pod just started, and each shim's VmRSS.
  void sample(const PodHandle& h) {
    if (!stages_.collect(h.name, h.containers.size())) ++missingTimelines_;
    for (const auto& c : h.containers) {
      auto st = nlohmann::json::parse(
          readFile(ws_.pods() + "/" + h.uid + "/containers/" + c + "/state.json"));
      long rss = procUsage(st.at("shimPid").get<pid_t>()).rssKiB;
      if (rss > 0) shimRssKiB_.push_back(double(rss));
    }
  }
  void printSamples(const std::string& title) {
    stages_.print(title);
    if (missingTimelines_)
      std::printf("  (%d starts logged no timeline: is the agent at --log-level debug?)\n",
                  missingTimelines_);
    if (!shimRssKiB_.empty()) {
      auto s = summarize(shimRssKiB_);
      std::printf("  %-44s %5zu %7.0f KiB %6.0f KiB  (max %.0f KiB; target < 1024)\n",
                  "shim VmRSS after start", s.n, s.median, s.p90, s.max);
    }
    stages_.clear();
    shimRssKiB_.clear();
    missingTimelines_ = 0;
  }

  PodHandle stagePod(const std::string& prefix, const std::vector<std::string>& containers) {
    ++seq_;
    char uid[64];
    std::snprintf(uid, sizeof uid, "%08x-0000-4000-8000-%012x", unsigned(getpid()), seq_);
    PodHandle h{prefix + "-" + std::to_string(seq_) + ".yaml", prefix + "-" + std::to_string(seq_),
                uid, containers};
    std::string yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + h.name +
                       "\n  namespace: default\n  uid: " + h.uid + "\nspec:\n  containers:\n";
    // Several containers share an emptyDir, as a pod with a sidecar usually does.
    const bool shared = containers.size() > 1;
    for (const auto& c : containers) {
      yaml += "    - name: " + c + "\n      image: busybox\n      command: " +
              nlohmann::json(std::vector<std::string>{"sh", "-c", kScript}).dump() + "\n";
      if (shared) yaml += "      volumeMounts:\n        - {name: shared, mountPath: /shared}\n";
    }
    if (shared) yaml += "  volumes:\n    - {name: shared, emptyDir: {}}\n";
    ws_.stage(h.file, yaml);
    return h;
  }

  std::string logOf(const PodHandle& h, const std::string& container) const {
    return ws_.logs() + "/default_" + h.name + "_" + h.uid + "/" + container + "/0.log";
  }

  // rename() into the watched directory until every container logged the marker.
  double pkStart(PodHandle& h) {
    std::vector<std::unique_ptr<LogWatcher>> logs;
    for (const auto& c : h.containers) logs.push_back(std::make_unique<LogWatcher>(logOf(h, c)));
    const int64_t t0 = nowNs();
    ws_.publish(h.file);
    const bool ok = waitForMarkers(logs, kMarker, 30 * kSec);
    const int64_t t1 = nowNs();
    if (!ok)
      throw std::runtime_error("pod " + h.name + " printed no marker in 30 s; " +
                               ws_.agentLogTail());
    return toMs(t1 - t0);
  }

  void pkRemove(const PodHandle& h) {
    ws_.withdraw(h.file);
    if (!waitFor([&] { return ws_.noPods(); }, 60 * kSec, 1000))
      throw std::runtime_error("pod " + h.name + " not removed 60 s after its manifest went; " +
                               ws_.agentLogTail());
  }

  struct StopTimes {
    double gone, removed;
  };

  // unlink() until the processes and cgroups are gone, then until the state is gone.
  StopTimes pkStop(const PodHandle& h) {
    std::vector<pid_t> pids;
    for (const auto& c : h.containers) {
      auto st = nlohmann::json::parse(
          readFile(ws_.pods() + "/" + h.uid + "/containers/" + c + "/state.json"));
      pids.push_back(st.at("pid").get<pid_t>());
      pids.push_back(st.at("shimPid").get<pid_t>());
    }
    auto cgroups = findCgroupDirs(ws_.cgroupRoot(), "pod" + h.uid);
    if (cgroups.empty()) throw std::runtime_error("no cgroup pod" + h.uid + " found");
    const int64_t t0 = nowNs();
    ws_.withdraw(h.file);
    bool gone = waitFor(
        [&] {
          for (pid_t p : pids)
            if (!processGone(p)) return false;
          for (const auto& d : cgroups)
            if (exists(d)) return false;
          return true;
        },
        60 * kSec, o_.pollUs);
    const int64_t t1 = nowNs();
    bool removed = waitFor([&] { return ws_.noPods(); }, 60 * kSec, o_.pollUs);
    const int64_t t2 = nowNs();
    if (!gone || !removed)
      throw std::runtime_error("pod " + h.name + " not gone after 60 s; " + ws_.agentLogTail());
    return {toMs(t1 - t0), toMs(t2 - t0)};
  }

  struct RuncRun {
    std::string id;
    RuncPeer::Started started;
    std::string out;
  };

  // `runc run -d` of each bundle in turn until every container printed the marker.
  double runcStart(const std::vector<std::string>& bundles, std::vector<RuncRun>& runs) {
    const int64_t t0 = nowNs();
    for (const auto& b : bundles) {
      std::string id = "pkb-" + std::to_string(getpid()) + "-" + std::to_string(++seq_);
      runs.push_back({id, runc_.runDetached(b, id), ""});
      if (int rc = waitExit(runs.back().started.runcPid); rc != 0)
        throw std::runtime_error("runc run -d " + id + " exited " + std::to_string(rc));
    }
    for (auto& r : runs)
      if (!waitPipeLine(r.started.stdoutFd, kMarker, 30 * kSec, r.out))
        throw std::runtime_error("runc container " + r.id + " printed no marker");
    return toMs(nowNs() - t0);
  }

  void runcRemove(std::vector<RuncRun>& runs) {
    for (auto& r : runs) {
      runc_.remove(r.id, true);
      ::close(r.started.stdoutFd);
    }
    runs.clear();
  }

  double runcStop(std::vector<RuncRun>& runs, const std::string& bundle) {
    RuncRun& r = runs.at(0);
    pid_t pid = runc_.containerPid(r.id);
    int pidfd = int(::syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) throw std::runtime_error("pidfd_open of runc container " + r.id);
    auto cgroups = findCgroupDirs(ws_.cgroupRoot(), bundle);
    const int64_t t0 = nowNs();
    runc_.kill(r.id, "TERM");
    pollfd pfd{pidfd, POLLIN, 0};
    bool exited = waitFor([&] { return ::poll(&pfd, 1, 100) == 1; }, 60 * kSec, 0);
    int rc = runc_.remove(r.id, false);
    bool gone = waitFor(
        [&] {
          for (const auto& d : cgroups)
            if (exists(d)) return false;
          return true;
        },
        10 * kSec, o_.pollUs);
    const int64_t t1 = nowNs();
    ::close(pidfd);
    ::close(r.started.stdoutFd);
    runs.clear();
    if (!exited || rc != 0 || !gone)
      throw std::runtime_error("runc container " + r.id + " did not stop cleanly");
    return toMs(t1 - t0);
  }

 private:
  const Options& o_;
  Workspace& ws_;
  RuncPeer& runc_;
  unsigned seq_ = 0;
  StageTimes stages_;
  std::vector<double> shimRssKiB_;
  int missingTimelines_ = 0;
};

void printRow(const std::string& label, const Summary& s) {
  std::printf("  %-44s %5zu %10.1f %10.1f %9.1f %9.1f\n", label.c_str(), s.n, s.median, s.p90,
              s.min, s.max);
}

void printHeader(const std::string& title) {
  std::printf("\n%s\n  %-44s %5s %10s %10s %9s %9s\n", title.c_str(), "", "runs", "median ms",
              "p90 ms", "min ms", "max ms");
}

void printRatio(const Summary& pk, const Summary& peer) {
  std::printf("  %-44s       %9.2fx %9.2fx\n", "ratio podkeeper / runc", pk.median / peer.median,
              pk.p90 / peer.p90);
}

// One line per timed run for --raw: scenario,side,run,UTC start,ms[,ms]; lets a slow run be
// found in the agent's log.
std::string rawRows;

void raw(const std::string& scenario, const std::string& side, int run, int64_t wallNs, double ms,
         double ms2 = -1) {
  char line[160];
  std::time_t secs = std::time_t(wallNs / 1'000'000'000);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", std::gmtime(&secs));
  std::snprintf(line, sizeof line, "%s,%s,%d,%s.%03dZ,%.2f", scenario.c_str(), side.c_str(), run,
                when, int(wallNs / 1'000'000 % 1000), ms);
  rawRows += line;
  if (ms2 >= 0) rawRows += "," + std::to_string(ms2);
  rawRows += "\n";
}

int64_t wallNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void scenarioStart(Bench& b, const Options& o, const std::string& title,
                   const std::vector<std::string>& containers,
                   const std::vector<std::string>& bundles, int runs) {
  std::vector<double> pk, rc;
  for (int i = -o.warmup; i < runs; ++i) {
    // Alternate who goes first so drift in the machine's load hits both alike.
    for (int side : (i % 2 == 0 ? std::vector<int>{0, 1} : std::vector<int>{1, 0})) {
      if (side == 0) {
        auto h = b.stagePod(containers.size() > 1 ? "pair" : "start", containers);
        int64_t wall = wallNs();
        double ms = b.pkStart(h);
        if (i >= 0) b.sample(h);
        b.pkRemove(h);
        if (i >= 0) pk.push_back(ms);
        if (i >= 0) raw(h.name, "podkeeper", i, wall, ms);
      } else {
        std::vector<Bench::RuncRun> r;
        int64_t wall = wallNs();
        double ms = b.runcStart(bundles, r);
        b.runcRemove(r);
        if (i >= 0) rc.push_back(ms);
        if (i >= 0) raw(containers.size() > 1 ? "pair" : "start", "runc", i, wall, ms);
      }
    }
    std::fprintf(stderr, "\r%s: %d/%d", title.c_str(), i + 1, runs);
  }
  std::fprintf(stderr, "\n");
  auto spk = summarize(pk), src = summarize(rc);
  printHeader(title);
  printRow("podkeeper (rename -> marker in CRI log)", spk);
  printRow(bundles.size() > 1 ? "runc run -d x2 sequential (fork -> markers)"
                              : "runc run -d (fork -> marker on stdout)",
           src);
  printRatio(spk, src);
  b.printSamples("  podkeeper's stages, per start (runtime/sys/start_timeline.h; medians of each)");
  std::fflush(stdout);
}

void scenarioStop(Bench& b, const Options& o) {
  std::vector<double> gone, removed, rc;
  for (int i = -o.warmup; i < o.stopRuns; ++i) {
    for (int side : (i % 2 == 0 ? std::vector<int>{0, 1} : std::vector<int>{1, 0})) {
      if (side == 0) {
        auto h = b.stagePod("stop", {"c"});
        b.pkStart(h);
        int64_t wall = wallNs();
        auto t = b.pkStop(h);
        if (i >= 0) raw(h.name, "podkeeper", i, wall, t.gone, t.removed);
        if (i >= 0) {
          gone.push_back(t.gone);
          removed.push_back(t.removed);
        }
      } else {
        std::vector<Bench::RuncRun> r;
        b.runcStart({"single"}, r);
        int64_t wall = wallNs();
        double ms = b.runcStop(r, "single");
        if (i >= 0) raw("stop", "runc", i, wall, ms);
        if (i >= 0) rc.push_back(ms);
      }
    }
    std::fprintf(stderr, "\rstop: %d/%d", i + 1, o.stopRuns);
  }
  std::fprintf(stderr, "\n");
  auto sg = summarize(gone), sr = summarize(removed), src = summarize(rc);
  printHeader("Stop latency, container handles SIGTERM (trap 'exit 0' TERM)");
  printRow("podkeeper unlink -> procs+shim+cgroups gone", sg);
  printRow("podkeeper unlink -> pod state dir removed", sr);
  printRow("runc kill TERM -> init exited -> runc delete", src);
  printRatio(sg, src);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"podkeeper start/stop latency next to runc"};
  addCommonOptions(app, o, argv[0]);
  app.add_option("--runs", o.runs, "start runs (one container)");
  app.add_option("--stop-runs", o.stopRuns, "stop runs");
  app.add_option("--pair-runs", o.pairRuns, "start runs (two containers)");
  app.add_option("--warmup", o.warmup, "untimed runs before each scenario");
  app.add_option("--poll-us", o.pollUs, "poll interval for log files, pids and cgroups");
  app.add_option("--only", o.only, "start, stop, pair or all")
      ->check(CLI::IsMember({"start", "stop", "pair", "all"}));
  app.add_option("--raw", o.rawFile, "write every timed run as CSV here");
  app.add_option("--cni-conf-dir", o.cniConfDir,
                 "the agent's CNI configuration (default: none, pods get only lo as runc's do)");
  app.add_flag("--seccomp-default", o.seccompDefault,
               "run the agent with --seccomp-default (RuntimeDefault; runc's bundle has none)");
  CLI11_PARSE(app, argc, argv);

  installInterruptHandlers();
  utsname u{};
  ::uname(&u);
  printReportHeader("podkeeper start/stop latency", std::string("kernel ") + u.release + "  ", o,
                    {argv, argv + argc});
  std::printf(
      "container command (both): sh -c \"%s\"; markers: runc's stdout pipe, podkeeper's CRI log "
      "through inotify; other waits poll every %d us; runs interleaved\n",
      kScript, o.pollUs);
  std::printf("podkeeper: CNI %s; seccomp %s; --log-level debug\n",
              o.cniConfDir.empty() ? "none (lo only)" : o.cniConfDir.c_str(),
              o.seccompDefault ? "RuntimeDefault (--seccomp-default)" : "Unconfined");
  std::fflush(stdout);

  return runReport("pk-bench-start", [&] {
    Workspace ws(o.workDir, o.cgroupRoot);
    ws.keepAgentLog(o.agentLog);
    RuncPeer runc(ws, o.runc, busyboxRootfs(o));
    std::vector<std::string> cmd{"sh", "-c", kScript};
    runc.makeBundle("single", cmd);
    for (const auto& b : {"pair-a", "pair-b"}) runc.makeBundle(b, cmd, runc.bundleDir("shared"));
    std::vector<std::string> agentArgs{"--log-level", "debug"};
    if (!o.cniConfDir.empty()) agentArgs.insert(agentArgs.end(), {"--cni-conf-dir", o.cniConfDir});
    if (o.seccompDefault) agentArgs.push_back("--seccomp-default");
    ws.startAgent(o.podkeeper, o.imageDir, agentArgs);
    Bench b(o, ws, runc);
    if (o.only == "all" || o.only == "start")
      scenarioStart(b, o, "Start latency, 1 container", {"c"}, {"single"}, o.runs);
    if (o.only == "all" || o.only == "stop") scenarioStop(b, o);
    if (o.only == "all" || o.only == "pair")
      scenarioStart(b, o, "Start latency, pod with 2 containers sharing an emptyDir", {"a", "b"},
                    {"pair-a", "pair-b"}, o.pairRuns);
    std::printf("\nloadavg at end: %s\n", loadavg().c_str());
    if (!o.rawFile.empty()) writeFile(o.rawFile, "run,side,index,utc,ms,ms2\n" + rawRows);
  });
}
