#include "prometheus_server.h"

#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <stdexcept>

#include "agent/cli/api_client.h"
#include "tests/support/command.h"
#include "tests/support/http_get.h"
#include "tests/support/text.h"
#include "tests/support/wait_for.h"

namespace podkeeper::metrics::testing {

PrometheusServer::PrometheusServer(const std::string& target, const std::string& metricsPath)
    : PrometheusServer("  - job_name: podkeeper\n    metrics_path: " + metricsPath +
                       "\n    static_configs:\n      - targets: ['" + target + "']\n") {}

PrometheusServer::PrometheusServer(const std::string& scrapeConfigs) : port_(freeLoopbackPort()) {
  const std::string config = dir_.path() + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                        << "scrape_configs:\n"
                        << scrapeConfigs;
  const std::string log = dir_.path() + "/prometheus.log";
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
  const std::string data = "--storage.tsdb.path=" + dir_.path() + "/data";
  const std::string cfg = "--config.file=" + config;
  pid_ = support::spawnLogged({"/usr/bin/prometheus", cfg, data, listen, "--log.level=warn"}, log,
                              support::LogMode::Truncate);
  if (pid_ < 0) throw std::runtime_error("fork failed");
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string PrometheusServer::get(const std::string& target) {
  auto r = support::httpGetLoopback(port_, target);
  return r.status == 200 ? r.body : "";
}

bool PrometheusServer::waitReady(std::chrono::seconds limit) {
  return support::waitFor([&] { return !get("/-/ready").empty(); }, limit,
                          std::chrono::milliseconds(200));
}

nlohmann::json PrometheusServer::query(const std::string& promql) {
  std::string body = get("/api/v1/query?query=" + cli::urlEncode(promql));
  if (body.empty()) return nullptr;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
  return j["data"]["result"];
}

std::string PrometheusServer::log() const { return support::readText(dir_.file("prometheus.log")); }

}  // namespace podkeeper::metrics::testing
