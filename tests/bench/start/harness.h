#pragma once

// Shared plumbing of the podkeeper benchmarks (start/stop latency, churn): a private
// workspace, the agent as a child process, runc as the peer, cgroup and mount clean-up.
// Benchmarks are programs run by hand (scripts/bench-*.sh), not ctest tests.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace pkbench {

int64_t nowNs();  // CLOCK_MONOTONIC
inline double toMs(int64_t ns) { return double(ns) / 1e6; }
void sleepUs(int64_t us);

struct Summary {
  size_t n = 0;
  double median = 0, p90 = 0, min = 0, max = 0;
};
// p90 is the nearest-rank percentile; median averages the two middle values for even n.
Summary summarize(std::vector<double> values);

// Thrown by every wait loop once SIGINT, SIGTERM or SIGHUP arrived, so that the destructors
// of Workspace, Agent and RuncPeer run and leave nothing behind.
struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};
// Throws std::runtime_error with what and errno's text: a failed system call.
[[noreturn]] void die(const std::string& what);
void installInterruptHandlers();
void checkInterrupted();

// Polls pred every intervalUs until it holds (true) or timeoutNs passed (false).
bool waitFor(const std::function<bool()>& pred, int64_t timeoutNs, int64_t intervalUs);

bool exists(const std::string& path);
std::string readFile(const std::string& path);  // "" when missing
void writeFile(const std::string& path, const std::string& content);
std::vector<std::string> listDir(const std::string& path);  // names; empty when missing
void makeDirs(const std::string& path);

// Processes. Children get their own process group so a terminal ^C reaches only the
// benchmark, which then tears everything down in order.
pid_t spawn(const std::vector<std::string>& argv, int stdoutFd = -1, int stderrFd = -1);
int waitExit(pid_t pid);  // exit code, or 128+signal
// Runs argv to completion; stdout+stderr go to *output when given, else to /dev/null.
int run(const std::vector<std::string>& argv, std::string* output = nullptr);
bool processGone(pid_t pid);  // no such process, or a zombie
struct ProcUsage {
  double cpuSeconds = 0;  // utime + stime (in clock ticks: 10 ms steps)
  long rssKiB = 0;        // VmRSS
  long hwmKiB = 0;        // VmHWM
  // The live threads' on-CPU time from /proc/PID/task/*/schedstat (ns), and which threads:
  // exact where cpuSeconds moves in 10 ms steps, but a thread that ended takes its share along.
  double threadCpuSeconds = 0;
  std::vector<int> tids;
};
ProcUsage procUsage(pid_t pid);

// Cgroups: every hierarchy mounted under /sys/fs/cgroup (v1 controllers and cgroup2).
std::vector<std::string> cgroupMounts();
// Directories named `name` at most `depth` levels below <mount>/<root>, in every hierarchy.
std::vector<std::string> findCgroupDirs(const std::string& root, const std::string& name,
                                        int depth = 3);
// SIGKILLs every process under <mount>/<root> and removes the directories, deepest first.
void destroyCgroupTree(const std::string& root);

// A CRI log file the container writes: a marker line is `<time> stdout F <marker>`.
class LogWatcher {
 public:
  explicit LogWatcher(std::string path) : path_(std::move(path)) {}
  ~LogWatcher();
  LogWatcher(const LogWatcher&) = delete;
  LogWatcher& operator=(const LogWatcher&) = delete;
  bool sawLine(const std::string& marker);  // non-blocking: reads what is new
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::string text_;
};

// Waits until every log saw `marker`, woken by inotify: on each log file once it exists
// (IN_MODIFY), else on the deepest directory of its path that does (a file or directory made
// there), watched again after every event. The line is read when the shim writes it, as the
// runc side reads its pipe, not at the next poll of an interval (which also took CPU from the
// start on two cores). Each wait for events is at most 20 ms, in case a directory came
// between its check and its watch. One inotify instance serves the whole run (closing one
// waits for an SRCU grace period, 10-20 ms). False at the timeout.
bool waitForMarkers(const std::vector<std::unique_ptr<LogWatcher>>& logs, const std::string& marker,
                    int64_t timeoutNs);

// A text file read as it grows (the agent's log): each call passes the complete lines added
// since the last one; a line still being written waits for the next call.
class GrowingFile {
 public:
  explicit GrowingFile(std::string path) : path_(std::move(path)) {}
  void readNewLines(const std::function<void(std::string_view line)>& onLine);

 private:
  std::string path_;
  off_t offset_ = 0;
  std::string partial_;
};

// Counts lines of a growing text file (the agent's log) that contain a needle.
class LineCounter {
 public:
  LineCounter(std::string path, std::vector<std::string> needles)
      : file_(std::move(path)), needles_(std::move(needles)), counts_(needles_.size()) {}
  void update();
  size_t count(size_t needle) const { return counts_[needle]; }

 private:
  GrowingFile file_;
  std::vector<std::string> needles_;
  std::vector<size_t> counts_;
};

// A private directory tree and cgroup root for one benchmark run. Its destructor deletes
// every manifest and waits for the agent to remove the pods, stops the agent, deletes runc
// containers, kills what is left in the cgroup root, unmounts and removes the tree.
class Workspace {
 public:
  Workspace(const std::string& parentDir, std::string cgroupRoot);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::string& dir() const { return dir_; }
  const std::string& cgroupRoot() const { return cgroupRoot_; }
  std::string manifests() const { return dir_ + "/manifests"; }
  std::string staging() const { return dir_ + "/staging"; }  // same filesystem: rename()
  std::string state() const { return dir_ + "/state"; }
  std::string pods() const { return dir_ + "/state/pods"; }
  std::string logs() const { return dir_ + "/logs"; }
  std::string agentLog() const { return dir_ + "/agent.log"; }
  std::string agentLogTail(size_t lines = 15) const;  // for error messages
  std::string runcRoot() const { return dir_ + "/runc"; }

  // Writes the manifest into staging/, ready for publish().
  void stage(const std::string& file, const std::string& yaml) const;
  // rename() staging/<file> into the watched directory.
  void publish(const std::string& file) const;
  void withdraw(const std::string& file) const;  // unlink() from the watched directory
  bool noPods() const { return listDir(pods()).empty(); }

  // Agent lifecycle, owned here so clean-up order is right.
  // extraArgs go after the agent's usual flags (e.g. --log-level debug); without
  // --cni-conf-dir among them, the agent gets an empty one (pods with only lo).
  void startAgent(const std::string& binary, const std::string& imageDir,
                  const std::vector<std::string>& extraArgs = {});
  void stopAgent();
  pid_t agentPid() const { return agentPid_; }
  // Copy the agent's log to path when the workspace goes ("" = do not keep it).
  void keepAgentLog(std::string path) { keepAgentLog_ = std::move(path); }

 private:
  void cleanUp();
  std::string dir_;
  std::string cgroupRoot_;
  pid_t agentPid_ = -1;
  std::string keepAgentLog_;
};

std::string shellQuote(const std::vector<std::string>& argv);

// The first three fields of /proc/loadavg, printed with every table.
std::string loadavg();

// Options every benchmark program takes; each adds its own.
struct CommonOptions {
  std::string podkeeper;  // default: next to the benchmark binary
  std::string runc = "/usr/sbin/runc";
  std::string imageDir;
  std::string workDir = "/tmp";
  std::string cgroupRoot;  // default: pk-bench-<pid>
  std::string invocation;
  std::string agentLog;
};
// Fills the defaults from argv0 and registers the common flags on app.
void addCommonOptions(CLI::App& app, CommonOptions& o, const char* argv0);

}  // namespace pkbench
