#include "agent_probe.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>
#include <utility>

namespace pkbench {

std::string unixGet(const std::string& socket, const std::string& path, double* seconds) {
  const auto t0 = std::chrono::steady_clock::now();
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string req =
        "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    if (::write(fd, req.data(), req.size()) == ssize_t(req.size())) {
      char buf[65536];
      for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    }
  }
  ::close(fd);
  if (seconds)
    *seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto body = out.find("\r\n\r\n");
  return out.rfind("HTTP/1.1 200", 0) == 0 && body != std::string::npos ? out.substr(body + 4) : "";
}

std::map<double, double> histogramBuckets(const std::string& metrics, const std::string& name) {
  std::map<double, double> out;
  std::istringstream in(metrics);
  const std::string prefix = name + "_bucket{";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) != 0) continue;
    const auto le = line.find("le=\"");
    const auto close = line.find("\"}", le);
    if (le == std::string::npos || close == std::string::npos) continue;
    const std::string bound = line.substr(le + 4, close - le - 4);
    const double b = bound == "+Inf" ? INFINITY : std::stod(bound);
    out[b] = std::stod(line.substr(close + 2));
  }
  return out;
}

double quantileBound(const std::map<double, double>& before, const std::map<double, double>& after,
                     double q) {
  if (after.empty()) return -1;
  const double total = after.rbegin()->second - (before.empty() ? 0 : before.rbegin()->second);
  if (total <= 0) return -1;
  for (const auto& [bound, count] : after) {
    const auto was = before.find(bound);
    if (count - (was == before.end() ? 0 : was->second) >= q * total) return bound;
  }
  return INFINITY;
}

void HealthProber::start() {
  running_ = true;
  thread_ = std::thread([this] {
    while (running_) {
      double s = 0;
      const bool ok = !unixGet(socket_, "/healthz", &s).empty();
      ms_.push_back(ok ? s * 1000 : 10'000);
      std::this_thread::sleep_for(std::chrono::milliseconds(intervalMs_));
    }
  });
}

std::vector<double> HealthProber::stop() {
  running_ = false;
  if (thread_.joinable()) thread_.join();
  return std::exchange(ms_, {});
}

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = size_t(std::ceil(q * double(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

}  // namespace pkbench
