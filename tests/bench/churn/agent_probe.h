#pragma once

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

// What the churn benchmark asks the agent during a burst, over its unix socket: /healthz
// timed every few ms on a thread of its own, and the podkeeper_loop_lag_seconds histogram.
namespace pkbench {

// One GET over the unix socket; the body, or "" on any failure. Seconds taken in *seconds.
std::string unixGet(const std::string& socket, const std::string& path, double* seconds = nullptr);

// The cumulative buckets (le -> count) of one histogram in a /metrics text.
std::map<double, double> histogramBuckets(const std::string& metrics, const std::string& name);
// The smallest bucket bound holding q of what was observed between two scrapes; -1: nothing.
double quantileBound(const std::map<double, double>& before, const std::map<double, double>& after,
                     double q);

// GET /healthz every intervalMs from start() to stop(); the latencies in ms.
class HealthProber {
 public:
  HealthProber(std::string socket, int intervalMs)
      : socket_(std::move(socket)), intervalMs_(intervalMs) {}
  ~HealthProber() { stop(); }
  void start();
  std::vector<double> stop();  // the latencies of the requests made; failures count as 10 s

 private:
  std::string socket_;
  int intervalMs_;
  std::atomic<bool> running_{false};
  std::thread thread_;
  std::vector<double> ms_;
};

// The nearest-rank percentile q (0..1) of values; 0 when empty.
double percentile(std::vector<double> values, double q);

}  // namespace pkbench
