#include "manifests/stop_signal.h"

#include <csignal>
#include <utility>

namespace podkeeper::manifests {
namespace {

// The API's supportedStopSignalsLinux, less the real-time ones (computed below).
constexpr std::pair<std::string_view, int> kNamed[] = {
    {"SIGABRT", SIGABRT}, {"SIGALRM", SIGALRM}, {"SIGBUS", SIGBUS},       {"SIGCHLD", SIGCHLD},
    {"SIGCLD", SIGCHLD},  {"SIGCONT", SIGCONT}, {"SIGFPE", SIGFPE},       {"SIGHUP", SIGHUP},
    {"SIGILL", SIGILL},   {"SIGINT", SIGINT},   {"SIGIO", SIGIO},         {"SIGIOT", SIGABRT},
    {"SIGKILL", SIGKILL}, {"SIGPIPE", SIGPIPE}, {"SIGPOLL", SIGIO},       {"SIGPROF", SIGPROF},
    {"SIGPWR", SIGPWR},   {"SIGQUIT", SIGQUIT}, {"SIGSEGV", SIGSEGV},     {"SIGSTKFLT", SIGSTKFLT},
    {"SIGSTOP", SIGSTOP}, {"SIGSYS", SIGSYS},   {"SIGTERM", SIGTERM},     {"SIGTRAP", SIGTRAP},
    {"SIGTSTP", SIGTSTP}, {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},
    {"SIGUSR1", SIGUSR1}, {"SIGUSR2", SIGUSR2}, {"SIGVTALRM", SIGVTALRM}, {"SIGWINCH", SIGWINCH},
    {"SIGXCPU", SIGXCPU}, {"SIGXFSZ", SIGXFSZ}};

// "SIGRTMIN", "SIGRTMIN+1".."SIGRTMIN+15", "SIGRTMAX-14".."SIGRTMAX-1", "SIGRTMAX".
std::optional<int> realTime(std::string_view name) {
  for (int i = 0; i <= 15; ++i) {
    if (name == "SIGRTMIN" + (i ? "+" + std::to_string(i) : std::string())) return SIGRTMIN + i;
    if (name == "SIGRTMAX" + (i ? "-" + std::to_string(i) : std::string())) return SIGRTMAX - i;
  }
  return std::nullopt;
}

}  // namespace

std::optional<int> stopSignalNumber(std::string_view name) {
  for (const auto& [n, v] : kNamed)
    if (n == name) return v;
  return realTime(name);
}

std::string supportedStopSignals() {
  std::string out;
  for (const auto& [n, v] : kNamed) out += (out.empty() ? "\"" : ", \"") + std::string(n) + "\"";
  out += ", \"SIGRTMIN\", \"SIGRTMIN+1\" ... \"SIGRTMIN+15\", \"SIGRTMAX-14\" ... \"SIGRTMAX\"";
  return out;
}

}  // namespace podkeeper::manifests
