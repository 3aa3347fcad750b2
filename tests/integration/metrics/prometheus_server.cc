#include "prometheus_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace podkeeper::metrics::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

std::string urlEncode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace

PrometheusServer::PrometheusServer(const std::string& target, const std::string& metricsPath)
    : port_(freeLoopbackPort()) {
  const std::string config = dir_.path() + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                        << "scrape_configs:\n  - job_name: podkeeper\n"
                        << "    metrics_path: " << metricsPath << "\n"
                        << "    static_configs:\n      - targets: ['" << target << "']\n";
  const std::string log = dir_.path() + "/prometheus.log";
  const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(port_);
  const std::string data = "--storage.tsdb.path=" + dir_.path() + "/data";
  const std::string cfg = "--config.file=" + config;
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl("/usr/bin/prometheus", "prometheus", cfg.c_str(), data.c_str(), listen.c_str(),
            "--log.level=warn", static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

PrometheusServer::~PrometheusServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string PrometheusServer::get(const std::string& target) {
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  beast::error_code ec;
  s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
  if (ec) return {};
  timeval tv{5, 0};
  ::setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(s, req, ec);
  if (ec) return {};
  beast::flat_buffer buf;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(s, buf, res, ec);
  if (ec || res.result_int() != 200) return {};
  return res.body();
}

bool PrometheusServer::waitReady(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!get("/-/ready").empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

nlohmann::json PrometheusServer::query(const std::string& promql) {
  std::string body = get("/api/v1/query?query=" + urlEncode(promql));
  if (body.empty()) return nullptr;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || j.value("status", "") != "success") return nullptr;
  return j["data"]["result"];
}

std::string PrometheusServer::log() const {
  std::ifstream in(dir_.path() + "/prometheus.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace podkeeper::metrics::testing
