#include "agent/sd_notify.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"

namespace podkeeper::agent {
namespace {

std::optional<int64_t> positiveNumber(const char* text) {
  if (!text || !*text) return std::nullopt;
  int64_t value = 0;
  const char* end = text + std::strlen(text);
  auto [ptr, ec] = std::from_chars(text, end, value);
  if (ec != std::errc() || ptr != end || value <= 0) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::chrono::microseconds> watchdogPingInterval(const char* usec, const char* pid,
                                                              pid_t self) {
  auto interval = positiveNumber(usec);
  if (!interval) return std::nullopt;
  if (pid && *pid) {
    auto target = positiveNumber(pid);
    if (!target || *target != self) return std::nullopt;  // meant for another process
  }
  return std::chrono::microseconds(std::max<int64_t>(1, *interval / 2));
}

SystemdNotifier SystemdNotifier::fromEnvironment() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  SystemdNotifier n(
      socket ? socket : "",
      watchdogPingInterval(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid()));
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  return n;
}

void SystemdNotifier::notify(const std::string& state) const {
  if (socket_.empty()) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const size_t len = socket_.size();
  if (len >= sizeof(addr.sun_path)) return;
  std::memcpy(addr.sun_path, socket_.data(), len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract socket
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return;
  if (::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
               reinterpret_cast<sockaddr*>(&addr),
               socklen_t(offsetof(sockaddr_un, sun_path) + len)) < 0)
    spdlog::debug("sd_notify {}: {}", socket_, std::strerror(errno));
}

std::string serviceStatus(const std::map<std::string, int>& podsByPhase, int runningContainers) {
  int pods = 0;
  std::string phases;
  for (const auto& [phase, count] : podsByPhase) {
    if (count == 0) continue;
    pods += count;
    phases += (phases.empty() ? "" : ", ") + std::to_string(count) + " " + phase;
  }
  std::string out = std::to_string(pods) + (pods == 1 ? " pod" : " pods");
  if (!phases.empty()) out += " (" + phases + ")";
  return out + ", " + std::to_string(runningContainers) +
         (runningContainers == 1 ? " container" : " containers") + " running";
}

void LoopWatchdog::start() {
  if (!notifier_.watchdogInterval()) return;
  spdlog::info("systemd watchdog: WATCHDOG=1 every {}ms from the loop",
               notifier_.watchdogInterval()->count() / 1000);
  notifier_.notify("WATCHDOG=1");
  arm();
}

void LoopWatchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

void LoopWatchdog::arm() {
  timer_.expires_after(*notifier_.watchdogInterval());
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) return;
    notifier_.notify("WATCHDOG=1");
    arm();
  });
}

}  // namespace podkeeper::agent
