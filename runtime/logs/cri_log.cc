#include "runtime/logs/cri_log.h"

#include <ctime>

namespace podkeeper::runtime {

namespace {

// Two digits of v at out.
void put2(char* out, int64_t v) {
  out[0] = static_cast<char>('0' + v / 10);
  out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

// By hand rather than gmtime_r, strftime and snprintf: the shim formats one of these per log
// line for its whole life, and libc's locale-aware formatting is code it would otherwise keep
// resident (see runtime/shim/resident.h). Days to civil date: H. Hinnant's algorithm.
std::string formatRfc3339Nano(int64_t realtimeNs) {
  int64_t secs = realtimeNs / 1000000000;
  int64_t nanos = realtimeNs % 1000000000;
  if (nanos < 0) {
    nanos += 1000000000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);

  char buf[40] = "0000-00-00T00:00:00";
  put2(buf, (year / 100) % 100);
  put2(buf + 2, year % 100);
  put2(buf + 5, month);
  put2(buf + 8, day);
  put2(buf + 11, rem / 3600);
  put2(buf + 14, rem / 60 % 60);
  put2(buf + 17, rem % 60);
  size_t n = 19;
  if (nanos != 0) {
    buf[n++] = '.';
    for (int64_t div = 100000000; div > 0 && nanos != 0; div /= 10) {
      buf[n++] = static_cast<char>('0' + nanos / div);
      nanos %= div;
    }
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
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
