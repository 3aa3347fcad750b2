// Scrape latency and CPU per scrape at 10, 100 and 300 running containers, next to the floor
// of reading the same cgroup files in a tight loop. Creates real cgroups under its own root
// ("pk-bench-scrape-<pid>"), one sleeping process per container, and removes them at exit.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "agent/http/http_server.h"
#include "agent/http/metrics_routes.h"
#include "agent/http/router.h"
#include "file_floor.h"
#include "harness.h"
#include "metrics/exporter.h"
#include "runtime/cgroup/select/make_manager.h"

namespace {

using namespace podkeeper;
namespace cg = runtime::cgroup;
namespace asio = boost::asio;
namespace beast = boost::beast;

double cpuNow(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}
double wallNow() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
struct Timing {
  pkbench::Summary wallMs;
  double cpuMs;  // median process CPU time per run
};
// Wall and process CPU time of fn over `runs` runs, after `warm` unmeasured ones.
Timing measure(int warm, int runs, const std::function<void()>& fn) {
  for (int i = 0; i < warm; ++i) fn();
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    double w0 = wallNow(), c0 = cpuNow(CLOCK_PROCESS_CPUTIME_ID);
    fn();
    cpu.push_back((cpuNow(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3);
    wall.push_back((wallNow() - w0) * 1e3);
  }
  return {pkbench::summarize(wall), pkbench::summarize(cpu).median};
}

// Lets the exporter keep its cgroup files open, as the agent does at start.
size_t raiseFdLimit() {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  return metrics::keptFdBudget(lim.rlim_cur);
}

// N pods with one container each, each container cgroup holding one sleeping process.
class BenchPods : public metrics::TargetSource {
 public:
  BenchPods(cg::CgroupManager& cgroups, int containers)
      : cgroups_(cgroups), root_("pk-bench-scrape-" + std::to_string(::getpid())) {
    cg::Resources r;
    r.cpuShares = 102;
    r.cpuQuotaUs = 50000;
    r.memoryLimitBytes = 64 << 20;
    for (int i = 0; i < containers; ++i) {
      const std::string pod = root_ + "/pod" + std::to_string(i);
      const std::string ctr = pod + "/c" + std::to_string(i);
      must(cgroups_.create(ctr), ctr);
      must(cgroups_.apply(ctr, r), ctr);
      pid_t pid = ::fork();
      if (pid == 0) {
        for (;;) ::pause();
      }
      children_.push_back(pid);
      must(cgroups_.addProcess(ctr, pid), ctr);
      const std::string ns = "bench", name = "pod-" + std::to_string(i);
      targets_.push_back({ns, name, "uid" + std::to_string(i), "", "", pod, 1.7e9});
      targets_.push_back({ns, name, "uid" + std::to_string(i), "app", "busybox:1.36", ctr, 1.7e9});
    }
  }
  ~BenchPods() override {
    for (pid_t p : children_) ::kill(p, SIGKILL);
    for (pid_t p : children_) ::waitpid(p, nullptr, 0);
    (void)cgroups_.killAll(root_);
    if (auto r = cgroups_.remove(root_); !r)
      std::fprintf(stderr, "cleanup: %s\n", r.error().message.c_str());
  }
  std::vector<metrics::ContainerTarget> targets() const override { return targets_; }

  // The rows and, per row, the cgroups under it (itself first) whose procs/tasks are counted.
  podkeeper::bench::FileFloor floor(const std::string& mountRoot) const {
    std::vector<std::string> rows;
    std::vector<std::vector<std::string>> subtrees;
    for (const auto& t : targets_) {
      rows.push_back(t.cgroupPath);
      if (t.container.empty()) {
        subtrees.push_back({t.cgroupPath, t.cgroupPath + "/c" + t.podUid.substr(3)});
      } else {
        subtrees.push_back({t.cgroupPath});
      }
    }
    return podkeeper::bench::FileFloor(mountRoot, rows, subtrees);
  }

 private:
  static void must(const Result<void>& r, const std::string& what) {
    if (!r) {
      std::fprintf(stderr, "%s: %s\n", what.c_str(), r.error().message.c_str());
      std::exit(1);
    }
  }
  cg::CgroupManager& cgroups_;
  std::string root_;
  std::vector<pid_t> children_;
  std::vector<metrics::ContainerTarget> targets_;
};

// One keep-alive client connection doing GETs.
class Client {
 public:
  explicit Client(uint16_t port) : socket_(io_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  size_t get(const std::string& path, bool gzip) {
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, path, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    if (gzip) req.set(beast::http::field::accept_encoding, "gzip");
    beast::http::write(socket_, req);
    beast::http::response<beast::http::string_body> res;
    res.body().reserve(lastSize_);
    beast::http::read(socket_, buffer_, res);
    lastSize_ = res.body().size();
    return lastSize_;
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
  size_t lastSize_ = 0;
};

void runOne(cg::CgroupManager& cgroups, const metrics::MachineInfo& machine, int containers,
            size_t keptFds) {
  BenchPods pods(cgroups, containers);
  metrics::ExporterOptions options;
  options.keptFds = keptFds;
  metrics::Exporter exporter(pods, cgroups, machine, options);
  const auto floor = pods.floor("/sys/fs/cgroup");
  const int runs = 25, warm = 3;

  std::string buf;
  size_t sink = 0;
  Timing floorT = measure(warm, runs, [&] { sink += floor.readAll(buf); });
  Timing preadT;
  {
    podkeeper::bench::OpenFileFloor open(floor);  // its fds close before the scrapes
    preadT = measure(warm, runs, [&] { sink += open.readAll(buf); });
  }
  std::string out;
  Timing scrapeT = measure(warm, runs, [&] {
    out.clear();
    exporter.renderCadvisor(out);
  });

  http::Router router;
  http::addMetricsRoutes(router, exporter, {});
  // Server-side CPU per request, measured on the loop thread around the handler.
  std::vector<double> handlerCpuMs;
  auto handler = [&](const http::HttpRequest& r) {
    double c0 = cpuNow(CLOCK_THREAD_CPUTIME_ID);
    auto res = router.handle(r);
    handlerCpuMs.push_back((cpuNow(CLOCK_THREAD_CPUTIME_ID) - c0) * 1e3);
    return res;
  };
  asio::io_context io;
  http::HttpServer server(io, handler);
  if (!server.listenTcp("127.0.0.1:0")) std::exit(1);
  std::thread loop([&] { io.run(); });
  Client client(server.tcpPort());
  size_t plainBytes = out.size(), gzipBytes = 0;
  Timing gzipT = measure(warm, runs, [&] { gzipBytes = client.get("/metrics/cadvisor", true); });
  handlerCpuMs.erase(handlerCpuMs.begin(), handlerCpuMs.begin() + warm);
  const double gzipCpu = pkbench::summarize(handlerCpuMs).median;
  asio::post(io, [&] { server.stop(); });
  loop.join();

  const double scrape = scrapeT.wallMs.median;
  std::printf(
      "%10d %5zu %6zu %6zu %6.2f %6.2f %6.2f %6.2f %7.2f %6.2f %6.2f %6.2fx %6.2fx %6.2fx %7.2f "
      "%6.2f %7zu %5zu\n",
      containers, pods.targets().size(), floor.filesPerScrape(), exporter.keptFdsOpen(),
      floorT.wallMs.median, floorT.cpuMs, preadT.wallMs.median, preadT.cpuMs, scrape,
      scrapeT.wallMs.p90, scrapeT.cpuMs, scrape / floorT.wallMs.median,
      scrapeT.cpuMs / floorT.cpuMs, scrape / preadT.wallMs.median, gzipT.wallMs.median, gzipCpu,
      plainBytes / 1024, gzipBytes / 1024);
  if (sink == 0) std::printf("(floor read nothing)\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> counts;
  for (int i = 1; i < argc; ++i) counts.push_back(std::atoi(argv[i]));
  if (counts.empty()) counts = {10, 100, 300};
  auto cgroups = cg::makeCgroupManager(cg::CgroupConfig{});
  if (!cgroups) {
    std::fprintf(stderr, "cgroups: %s\n", cgroups.error().message.c_str());
    return 1;
  }
  if ((*cgroups)->mode() == cg::Mode::V2) {
    std::fprintf(stderr, "the file floor lists v1 files; run on a v1 or hybrid machine\n");
    return 1;
  }
  auto machine = metrics::readMachineInfo();
  if (!machine) return 1;
  spdlog::set_level(spdlog::level::warn);
  const size_t keptFds = raiseFdLimit();
  std::printf(
      "scrape benchmark, cgroup mode %s, load average %s: real cgroups (not containers), each\n"
      "'container' a cgroup with one sleeping process inside its own pod cgroup, so rows =\n"
      "2 x containers. %d runs each, ms. floor = the same v1 files read with open/read/close;\n"
      "pread = the same files held open, one pread each. scrape = Exporter::renderCadvisor\n"
      "(read + parse + render), median / p90. cpu = median process CPU time per run. /floor,\n"
      "/pread = scrape median / floor median; cpu/cpu = scrape cpu / floor cpu (robust under\n"
      "load). http+gz = GET /metrics/cadvisor with Accept-Encoding: gzip over\n"
      "loopback keep-alive (client wall), srvcpu = loop-thread CPU in the handler. kept = fds\n"
      "the exporter keeps open (budget %zu).\n\n",
      cg::toString((*cgroups)->mode()), pkbench::loadavg().c_str(), 25, keptFds);
  std::printf("%10s %5s %6s %6s %6s %6s %6s %6s %7s %6s %6s %7s %7s %7s %7s %6s %7s %5s\n",
              "containers", "rows", "files", "kept", "floor", "cpu", "pread", "cpu", "scrape",
              "p90", "cpu", "/floor", "cpu/cpu", "/pread", "http+gz", "srvcpu", "bodyKiB", "gzKiB");
  for (int n : counts) runOne(**cgroups, *machine, n, keptFds);
  std::printf("\nload average after: %s\n", pkbench::loadavg().c_str());
  return 0;
}
