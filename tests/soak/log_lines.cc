#include "tests/soak/log_lines.h"

#include <charconv>
#include <ctime>
#include <set>

#include "tests/support/text.h"

namespace podkeeper::soak {
namespace {

bool overlapsFull(int64_t from, int64_t to, const std::vector<TimeWindow>& windows) {
  for (const auto& w : windows)
    if (w.fromNs <= to && w.toNs >= from) return true;
  return false;
}

}  // namespace

int64_t parseCriTime(std::string_view s) {
  // 2026-12-05T21:45:16.123456789Z (fraction optional)
  if (s.size() < 20 || s[4] != '-' || s[10] != 'T') return -1;
  auto num = [&](size_t at, size_t len) {
    int v = 0;
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, v);
    return (ec == std::errc() && p == s.data() + at + len) ? v : -1;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0)
    return -1;
  int64_t ns = 0;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    int64_t scale = 100000000;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10)
      ns += (s[i] - '0') * scale;
  }
  if (i >= s.size() || s[i] != 'Z') return -1;
  return int64_t(timegm(&tm)) * 1000000000 + ns;
}

LogLineCheck checkNumberedLog(std::string_view text, const std::vector<TimeWindow>& fullWindows) {
  LogLineCheck out;
  std::set<int64_t> seen;
  int64_t prevNumber = 0, prevTime = 0;
  for (std::string_view line : support::splitLines(text)) {
    // <time> <stream> <tag> <text>
    size_t a = line.find(' ');
    size_t b = a == std::string_view::npos ? a : line.find(' ', a + 1);
    size_t c = b == std::string_view::npos ? b : line.find(' ', b + 1);
    if (c == std::string_view::npos) {
      out.problems.push_back("unparsable CRI line: " + std::string(line.substr(0, 80)));
      continue;
    }
    const int64_t t = parseCriTime(line.substr(0, a));
    std::string_view tag = line.substr(b + 1, c - b - 1);
    std::string_view body = line.substr(c + 1);
    if (t < 0 || (tag != "F" && tag != "P")) {
      out.problems.push_back("unparsable CRI line: " + std::string(line.substr(0, 80)));
      continue;
    }
    if (body.rfind("seq ", 0) != 0) continue;  // not a numbered line (a shell message)
    int64_t n = 0;
    auto [p, ec] = std::from_chars(body.data() + 4, body.data() + body.size(), n);
    if (ec != std::errc() || p != body.data() + body.size() || tag != "F") {
      out.problems.push_back("mangled numbered line: " + std::string(line.substr(0, 80)));
      continue;
    }
    ++out.lines;
    if (!seen.insert(n).second) {
      out.problems.push_back("line seq " + std::to_string(n) + " twice");
      continue;
    }
    if (n != prevNumber + 1) {
      const int64_t missing = n - prevNumber - 1;
      // Before the first line there is no earlier time: allow a window up to a minute back.
      const int64_t from = prevNumber == 0 ? t - 60'000'000'000 : prevTime;
      if (missing > 0 && overlapsFull(from, t, fullWindows)) {
        out.lostWhileFull += missing;
      } else {
        out.problems.push_back("after seq " + std::to_string(prevNumber) + " comes seq " +
                               std::to_string(n));
      }
    }
    prevNumber = std::max(prevNumber, n);
    prevTime = t;
  }
  return out;
}

}  // namespace podkeeper::soak
