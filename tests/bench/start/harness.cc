#include "harness.h"

#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace pkbench {
namespace {

// Set by the signal handler only; read by checkInterrupted().
volatile sig_atomic_t gInterrupted = 0;

void onInterrupt(int) { gInterrupted = 1; }

std::string errnoText(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

void die(const std::string& what) { throw std::runtime_error(errnoText(what)); }

int64_t nowNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void sleepUs(int64_t us) {
  timespec ts{time_t(us / 1'000'000), long(us % 1'000'000) * 1000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !gInterrupted) {
  }
}

Summary summarize(std::vector<double> v) {
  Summary s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  size_t rank = size_t(std::ceil(0.9 * double(v.size())));
  s.p90 = v[std::max<size_t>(rank, 1) - 1];
  return s;
}

void installInterruptHandlers() {
  struct sigaction sa {};
  sa.sa_handler = onInterrupt;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

void checkInterrupted() {
  if (gInterrupted) throw Interrupted();
}

bool waitFor(const std::function<bool()>& pred, int64_t timeoutNs, int64_t intervalUs) {
  const int64_t deadline = nowNs() + timeoutNs;
  for (;;) {
    if (pred()) return true;
    if (nowNs() >= deadline) return false;
    checkInterrupted();
    sleepUs(intervalUs);
  }
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void writeFile(const std::string& path, const std::string& content) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) die("open " + path);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      die("write " + path);
    }
    done += size_t(n);
  }
  ::close(fd);
}

std::vector<std::string> listDir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (!d) return names;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

void makeDirs(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string part = path.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) die("mkdir " + part);
  }
}

pid_t spawn(const std::vector<std::string>& argv, int stdoutFd, int stderrFd) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(stdoutFd >= 0 ? stdoutFd : devnull, 1);
    ::dup2(stderrFd >= 0 ? stderrFd : devnull, 2);
    ::close_range(3, ~0U, 0);
    struct sigaction sa {};
    sa.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) sigaction(sig, &sa, nullptr);
    ::execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

int waitExit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) die("waitpid");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& argv, std::string* output) {
  if (!output) return waitExit(spawn(argv));
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) die("pipe2");
  pid_t pid = spawn(argv, p[1], p[1]);
  ::close(p[1]);
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output->append(buf, size_t(n));
  }
  ::close(p[0]);
  return waitExit(pid);
}

bool processGone(pid_t pid) {
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || (paren + 2 < stat.size() && stat[paren + 2] == 'Z');
}

ProcUsage procUsage(pid_t pid) {
  ProcUsage u;
  std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren != std::string::npos) {
    std::istringstream in(stat.substr(paren + 2));
    std::vector<std::string> f;
    for (std::string w; in >> w;) f.push_back(w);
    // Fields after the comm: state is field 3, utime 14, stime 15 (1-based, proc(5)).
    if (f.size() > 12) {
      double ticks = double(::sysconf(_SC_CLK_TCK));
      u.cpuSeconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;
    }
  }
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator(tasks, ec)) {
    std::istringstream in(readFile(t.path().string() + "/schedstat"));
    double ns = 0;
    if (!(in >> ns)) continue;
    u.threadCpuSeconds += ns / 1e9;
    u.tids.push_back(std::stoi(t.path().filename().string()));
  }
  std::sort(u.tids.begin(), u.tids.end());
  std::istringstream status(readFile("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) u.rssKiB = std::stol(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) u.hwmKiB = std::stol(line.substr(6));
  }
  return u;
}

std::vector<std::string> cgroupMounts() {
  std::set<std::string> mounts;
  std::istringstream in(readFile("/proc/self/mountinfo"));
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::vector<std::string> w;
    for (std::string x; f >> x;) w.push_back(x);
    auto dash = std::find(w.begin(), w.end(), "-");
    if (w.size() < 5 || dash == w.end() || dash + 1 == w.end()) continue;
    const std::string& type = *(dash + 1);
    if ((type == "cgroup" || type == "cgroup2") && w[4].rfind("/sys/fs/cgroup", 0) == 0)
      mounts.insert(w[4]);
  }
  return {mounts.begin(), mounts.end()};
}

namespace {

void walkDirs(const std::string& dir, int depth, std::vector<std::string>& out) {
  if (depth < 0) return;
  for (const auto& n : listDir(dir)) {
    std::string p = dir + "/" + n;
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      walkDirs(p, depth - 1, out);
      out.push_back(p);  // children first: rmdir order
    }
  }
}

}  // namespace

std::vector<std::string> findCgroupDirs(const std::string& root, const std::string& name,
                                        int depth) {
  std::vector<std::string> found;
  for (const auto& m : cgroupMounts()) {
    std::vector<std::string> all;
    walkDirs(m + "/" + root, depth - 1, all);
    for (const auto& p : all)
      if (p.substr(p.rfind('/') + 1) == name) found.push_back(p);
  }
  return found;
}

void destroyCgroupTree(const std::string& root) {
  if (root.empty() || root.find("..") != std::string::npos) return;
  for (int attempt = 0; attempt < 100; ++attempt) {
    bool left = false;
    for (const auto& m : cgroupMounts()) {
      std::string base = m + "/" + root;
      if (!exists(base)) continue;
      std::vector<std::string> dirs;
      walkDirs(base, 64, dirs);
      dirs.push_back(base);
      for (const auto& d : dirs) {
        if (exists(d + "/freezer.state")) {
          std::ofstream(d + "/freezer.state") << "THAWED";
        }
        if (exists(d + "/cgroup.freeze")) std::ofstream(d + "/cgroup.freeze") << "0";
        std::istringstream procs(readFile(d + "/cgroup.procs"));
        for (pid_t pid; procs >> pid;) ::kill(pid, SIGKILL);
      }
      for (const auto& d : dirs)
        if (::rmdir(d.c_str()) != 0 && errno != ENOENT) left = true;
    }
    if (!left) return;
    sleepUs(50'000);
  }
  std::fprintf(stderr, "bench: cgroup %s could not be removed in every hierarchy\n", root.c_str());
}

namespace {

void unmountUnder(const std::string& dir) {
  for (int round = 0; round < 10; ++round) {
    std::vector<std::string> points;
    std::istringstream in(readFile("/proc/self/mountinfo"));
    for (std::string line; std::getline(in, line);) {
      std::istringstream f(line);
      std::string w[5];
      for (auto& x : w) f >> x;
      if (w[4].rfind(dir + "/", 0) == 0) points.push_back(w[4]);
    }
    if (points.empty()) return;
    std::sort(points.begin(), points.end(),
              [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& p : points) ::umount2(p.c_str(), MNT_DETACH);
  }
}

int removeEntry(const char* path, const struct stat*, int type, struct FTW*) {
  if (type == FTW_DP)
    ::rmdir(path);
  else
    ::unlink(path);
  return 0;
}

}  // namespace

Workspace::Workspace(const std::string& parentDir, std::string cgroupRoot)
    : cgroupRoot_(std::move(cgroupRoot)) {
  makeDirs(parentDir);
  std::string tmpl = parentDir + "/pk-bench.XXXXXX";
  if (!::mkdtemp(tmpl.data())) die("mkdtemp " + tmpl);
  dir_ = tmpl;
  for (const auto& d : {manifests(), staging(), state(), logs(), runcRoot()}) makeDirs(d);
}

Workspace::~Workspace() {
  try {
    cleanUp();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench: clean-up: %s\n", e.what());
  }
}

std::string Workspace::agentLogTail(size_t lines) const {
  std::string text = readFile(agentLog());
  size_t pos = text.size();
  for (size_t i = 0; i <= lines && pos > 0; ++i) pos = text.rfind('\n', pos - 1);
  return "agent log, last lines:\n" + text.substr(pos == std::string::npos ? 0 : pos + 1);
}

void Workspace::stage(const std::string& file, const std::string& yaml) const {
  writeFile(staging() + "/" + file, yaml);
}

void Workspace::publish(const std::string& file) const {
  std::string from = staging() + "/" + file, to = manifests() + "/" + file;
  if (::rename(from.c_str(), to.c_str()) != 0) die("rename " + from);
}

void Workspace::withdraw(const std::string& file) const {
  std::string path = manifests() + "/" + file;
  if (::unlink(path.c_str()) != 0) die("unlink " + path);
}

void Workspace::startAgent(const std::string& binary, const std::string& imageDir,
                           const std::vector<std::string>& extraArgs) {
  int log = ::open(agentLog().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) die("open " + agentLog());
  std::vector<std::string> argv{binary,        "run",           "--manifest-dir",
                                manifests(),   "--state-dir",   state(),
                                "--image-dir", imageDir,        "--log-dir",
                                logs(),        "--cgroup-root", cgroupRoot_,
                                "--listen",    "127.0.0.1:0",   "--port",
                                "0",           "--socket",      state() + "/pk.sock"};
  argv.insert(argv.end(), extraArgs.begin(), extraArgs.end());
  // No CNI network unless asked for: an empty configuration directory of the workspace's, so
  // the node's /etc/cni/net.d (there or not) plays no part (runc's bundles have only lo too).
  if (std::find(extraArgs.begin(), extraArgs.end(), "--cni-conf-dir") == extraArgs.end()) {
    makeDirs(dir_ + "/no-cni");
    argv.insert(argv.end(), {"--cni-conf-dir", dir_ + "/no-cni"});
  }
  agentPid_ = spawn(argv, log, log);
  ::close(log);
  LineCounter ready(agentLog(), {"serving /metrics"});
  bool up = waitFor(
      [&] {
        ready.update();
        int status = 0;
        if (::waitpid(agentPid_, &status, WNOHANG) == agentPid_) {
          agentPid_ = -1;
          throw std::runtime_error("podkeeper exited at start; see " + agentLog() + ":\n" +
                                   readFile(agentLog()));
        }
        return ready.count(0) > 0;
      },
      20'000'000'000, 5'000);
  if (!up) throw std::runtime_error("podkeeper not serving after 20 s; " + agentLogTail());
}

void Workspace::stopAgent() {
  if (agentPid_ <= 0) return;
  ::kill(agentPid_, SIGTERM);
  const int64_t deadline = nowNs() + 10'000'000'000;
  int status = 0;
  while (::waitpid(agentPid_, &status, WNOHANG) == 0) {
    if (nowNs() > deadline) {
      ::kill(agentPid_, SIGKILL);
      ::waitpid(agentPid_, &status, 0);
      break;
    }
    sleepUs(10'000);
  }
  agentPid_ = -1;
}

void Workspace::cleanUp() {
  if (dir_.empty()) return;
  for (const auto& f : listDir(manifests())) ::unlink((manifests() + "/" + f).c_str());
  if (agentPid_ > 0) {
    const int64_t deadline = nowNs() + 120'000'000'000;
    while (!noPods() && nowNs() < deadline && ::waitpid(agentPid_, nullptr, WNOHANG) == 0)
      sleepUs(20'000);
    if (!noPods())
      std::fprintf(stderr, "bench: the agent left pods in %s; killing them\n", pods().c_str());
  }
  stopAgent();
  if (!keepAgentLog_.empty() && exists(agentLog())) writeFile(keepAgentLog_, readFile(agentLog()));
  destroyCgroupTree(cgroupRoot_);
  unmountUnder(dir_);
  ::nftw(dir_.c_str(), removeEntry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  if (exists(dir_)) std::fprintf(stderr, "bench: could not remove all of %s\n", dir_.c_str());
  dir_.clear();
}

std::string shellQuote(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                                   "WXYZ0123456789-_./=:,+@%") == std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

std::string loadavg() {
  std::string l = readFile("/proc/loadavg");
  return l.substr(0, l.find(' ', l.find(' ', l.find(' ') + 1) + 1));
}

void addCommonOptions(CLI::App& app, CommonOptions& o, const char* argv0) {
  o.cgroupRoot = "pk-bench-" + std::to_string(::getpid());
  std::string self = argv0;
  o.podkeeper = self.substr(0, self.rfind('/') + 1) + "podkeeper";
  app.add_option("--podkeeper", o.podkeeper, "podkeeper binary (podkeeper-shim next to it)");
  app.add_option("--runc", o.runc, "runc binary");
  app.add_option("--image-dir", o.imageDir, "image dir holding busybox/latest/rootfs")->required();
  app.add_option("--work-dir", o.workDir, "parent of the temporary workspace");
  app.add_option("--cgroup-root", o.cgroupRoot, "cgroup root (removed afterwards)");
  app.add_option("--invocation", o.invocation, "the wrapper command, printed with the table");
  app.add_option("--keep-agent-log", o.agentLog, "copy the agent's log here at the end");
}

}  // namespace pkbench
