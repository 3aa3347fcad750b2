#include "agent/cli/kube_time_format.h"

#include <time.h>

#include <cstdio>
#include <ctime>

namespace podkeeper::cli {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

std::string withRest(int64_t major, const char* majorUnit, int64_t minor, const char* minorUnit) {
  std::string s = std::to_string(major) + majorUnit;
  if (minor != 0) s += std::to_string(minor) + minorUnit;
  return s;
}

// Parses "+hh:mm" / "-hh:mm" / "Z" into seconds east of UTC.
std::optional<int64_t> zoneOffset(const char* p) {
  if (*p == 'Z' || *p == 'z') return p[1] == '\0' ? std::optional<int64_t>(0) : std::nullopt;
  int hh = 0, mm = 0, n = 0;
  if ((*p != '+' && *p != '-') || std::sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 ||
      p[1 + n] != '\0')
    return std::nullopt;
  int64_t offset = hh * 3600 + mm * 60;
  return *p == '-' ? -offset : offset;
}

}  // namespace

std::string humanDuration(int64_t seconds) {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return std::to_string(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) return withRest(minutes, "m", seconds % 60, "s");
  if (minutes < 180) return std::to_string(minutes) + "m";
  int64_t hours = seconds / 3600;
  if (hours < 8) return withRest(hours, "h", minutes % 60, "m");
  if (hours < 48) return std::to_string(hours) + "h";
  if (hours < 24 * 8) return withRest(hours / 24, "d", hours % 24, "h");
  if (hours < 24 * 365 * 2) return std::to_string(hours / 24) + "d";
  if (hours < 24 * 365 * 8) return withRest(hours / 24 / 365, "y", (hours / 24) % 365, "d");
  return std::to_string(hours / 24 / 365) + "y";
}

std::optional<int64_t> parseRfc3339(const std::string& text) {
  tm t{};
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &n) != 6)
    return std::nullopt;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  const char* p = text.c_str() + n;
  int64_t fraction = 0, scale = kNsPerSec;
  if (*p == '.')
    for (++p; *p >= '0' && *p <= '9'; ++p)
      if (scale > 1) fraction += (*p - '0') * (scale /= 10);
  auto offset = zoneOffset(p);
  if (!offset) return std::nullopt;
  return (int64_t{timegm(&t)} - *offset) * kNsPerSec + fraction;
}

std::string ageOf(const std::string& timestamp, int64_t nowNs) {
  auto t = parseRfc3339(timestamp);
  if (!t) return "<unknown>";
  int64_t delta = nowNs - *t;
  // Go's Duration.Seconds() truncates toward zero.
  return humanDuration(delta / kNsPerSec);
}

std::string describeTime(const std::string& timestamp) {
  auto ns = parseRfc3339(timestamp);
  if (!ns) return timestamp;
  time_t secs = static_cast<time_t>(*ns / kNsPerSec);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[64];
  size_t len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &utc);
  return std::string(buf, len);
}

}  // namespace podkeeper::cli
