#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "support.h"
#include "tests/support/temp_dir.h"

namespace podkeeper::metrics::testing {

// A real Prometheus (/usr/bin/prometheus) on a private 127.0.0.1 port and data directory,
// scraping one target every second. Killed and cleaned up on destruction.
class PrometheusServer {
 public:
  PrometheusServer(const std::string& target, const std::string& metricsPath);
  // With these scrape_configs (a YAML list, indented by two spaces), e.g. HTTPS jobs with
  // tls_config and authorization.
  explicit PrometheusServer(const std::string& scrapeConfigs);
  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  // Waits (bounded) for /-/ready.
  bool waitReady(std::chrono::seconds limit);
  // /api/v1/query; the "data.result" array, or null on any failure.
  nlohmann::json query(const std::string& promql);
  // The log, for failure messages.
  std::string log() const;

 private:
  std::string get(const std::string& target);

  support::TempDir dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace podkeeper::metrics::testing
