#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace podkeeper::agent {

// systemd's notify protocol (sd_notify(3)) for a Type=notify service: one datagram per
// state ("READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1") to $NOTIFY_SOCKET. Written by
// hand: no libsystemd needed. Without $NOTIFY_SOCKET every call is a no-op.
class SystemdNotifier {
 public:
  SystemdNotifier() = default;  // not under systemd
  SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog)
      : socket_(std::move(socket)), watchdog_(watchdog) {}

  // Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID, then unsets them as
  // sd_notify(unset_environment=1) does, so shims and hooks started later do not inherit
  // them. Call before any thread starts (setenv/unsetenv are not thread-safe).
  static SystemdNotifier fromEnvironment();

  void notify(const std::string& state) const;
  bool enabled() const { return !socket_.empty(); }
  // How often to send WATCHDOG=1 (half of WATCHDOG_USEC), when systemd asked this process.
  std::optional<std::chrono::microseconds> watchdogInterval() const { return watchdog_; }

 private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
};

// As sd_watchdog_enabled(3): WATCHDOG_USEC a positive number of microseconds, and
// WATCHDOG_PID, when set, this process. Half of it is the ping interval. Pure.
std::optional<std::chrono::microseconds> watchdogPingInterval(const char* usec, const char* pid,
                                                              pid_t self);

// "3 pods (2 Running, 1 Pending), 5 containers running": the STATUS= line. Pure.
std::string serviceStatus(const std::map<std::string, int>& podsByPhase, int runningContainers);

// Sends WATCHDOG=1 from a timer on the agent's loop: when a handler blocks the loop, the
// pings stop and systemd restarts the agent (KillMode=process keeps the pods).
class LoopWatchdog {
 public:
  LoopWatchdog(boost::asio::io_context& io, const SystemdNotifier& notifier)
      : timer_(io), notifier_(notifier) {}
  void start();  // no-op without a watchdog interval
  void stop();

 private:
  void arm();
  boost::asio::steady_timer timer_;
  const SystemdNotifier& notifier_;
  bool stopped_ = false;
};

}  // namespace podkeeper::agent
