#include "runtime/logs/cri_log.h"

#include <ctime>

namespace podkeeper::runtime {

std::string formatRfc3339Nano(int64_t realtimeNs) {
  const time_t secs = static_cast<time_t>(realtimeNs / 1000000000);
  long nanos = static_cast<long>(realtimeNs % 1000000000);
  struct tm tm {};
  ::gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = ::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (nanos != 0) {
    char frac[16];
    ::snprintf(frac, sizeof frac, ".%09ld", nanos);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

std::string formatCriLine(int64_t realtimeNs, LogStream stream, bool partial,
                          std::string_view text) {
  std::string line = formatRfc3339Nano(realtimeNs);
  line += stream == LogStream::Stdout ? " stdout " : " stderr ";
  line += partial ? "P " : "F ";
  line += text;
  line += '\n';
  return line;
}

namespace {

std::optional<long> parseDigits(std::string_view s) {
  if (s.empty() || s.size() > 9) return std::nullopt;
  long n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

}  // namespace

std::optional<long> restartOfLogFile(std::string_view name) {
  const auto dot = name.find(".log");
  if (dot == std::string_view::npos) return std::nullopt;
  const auto rest = name.substr(dot + 4);
  if (!rest.empty() && (rest.front() != '.' || !parseDigits(rest.substr(1)))) return std::nullopt;
  return parseDigits(name.substr(0, dot));
}

std::vector<std::string> staleRestartLogs(const std::vector<std::string>& names,
                                          std::string_view currentLog) {
  const auto current = restartOfLogFile(currentLog);
  if (!current) return {};
  std::optional<long> previous;
  for (const auto& n : names) {
    const auto r = restartOfLogFile(n);
    if (r && *r != *current && (!previous || *r > *previous)) previous = r;
  }
  std::vector<std::string> stale;
  for (const auto& n : names) {
    const auto r = restartOfLogFile(n);
    if (r && *r != *current && r != previous) stale.push_back(n);
  }
  return stale;
}

std::vector<LogEntry> LogLineSplitter::feed(std::string_view data) {
  std::vector<LogEntry> out;
  while (!data.empty()) {
    const auto nl = data.find('\n');
    const std::string_view chunk = data.substr(0, nl);
    pending_.append(chunk);
    while (pending_.size() >= maxLine_ && !(pending_.size() == maxLine_ && nl != data.npos)) {
      out.push_back({pending_.substr(0, maxLine_), true});
      pending_.erase(0, maxLine_);
    }
    if (nl == data.npos) break;
    out.push_back({std::move(pending_), false});
    pending_.clear();
    data.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<LogEntry> LogLineSplitter::finish() {
  std::vector<LogEntry> out;
  if (!pending_.empty()) out.push_back({std::move(pending_), false});
  pending_.clear();
  return out;
}

}  // namespace podkeeper::runtime
