#include "metrics/proc_files.h"

#include <charconv>
#include <vector>

namespace podkeeper::metrics {
namespace {

std::string_view trimLeft(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

// Parses the unsigned number at the start of s (after blanks) and advances s past it.
std::optional<uint64_t> takeNumber(std::string_view& s) {
  s = trimLeft(s);
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{}) return std::nullopt;
  s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  return v;
}

std::optional<std::string_view> lineStartingWith(std::string_view text, std::string_view prefix) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.starts_with(prefix)) return line.substr(prefix.size());
    pos = end + 1;
  }
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> meminfoBytes(std::string_view meminfo, std::string_view key) {
  std::string prefix(key);
  prefix += ':';
  auto rest = lineStartingWith(meminfo, prefix);
  if (!rest) return std::nullopt;
  auto kib = takeNumber(*rest);
  if (!kib) return std::nullopt;
  return *kib * 1024;
}

std::optional<uint64_t> procStatBusyTicks(std::string_view procStat) {
  auto rest = lineStartingWith(procStat, "cpu ");
  if (!rest) return std::nullopt;
  // user nice system idle iowait irq softirq steal
  uint64_t f[8];
  for (auto& v : f) {
    auto n = takeNumber(*rest);
    if (!n) return std::nullopt;
    v = *n;
  }
  return f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
}

std::optional<uint64_t> procStatBootTime(std::string_view procStat) {
  auto rest = lineStartingWith(procStat, "btime ");
  if (!rest) return std::nullopt;
  return takeNumber(*rest);
}

std::optional<ProcSelfStat> parseProcPidStat(std::string_view stat) {
  size_t close = stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = stat.substr(close + 1);
  // Fields after comm, counting "state" as field 3 of proc(5).
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < rest.size()) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) ++pos;
    size_t end = rest.find_first_of(" \n", pos);
    if (end == std::string_view::npos) end = rest.size();
    if (end > pos) fields.push_back(rest.substr(pos, end - pos));
    pos = end;
  }
  auto field = [&](size_t procIndex) -> std::optional<uint64_t> {
    size_t i = procIndex - 3;
    if (i >= fields.size()) return std::nullopt;
    std::string_view s = fields[i];
    return takeNumber(s);
  };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) return std::nullopt;
  return ProcSelfStat{*utime, *stime, *start, *vsize, *rss};
}

std::optional<uint64_t> maxOpenFiles(std::string_view limits) {
  auto rest = lineStartingWith(limits, "Max open files");
  if (!rest) return std::nullopt;
  return takeNumber(*rest);
}

}  // namespace podkeeper::metrics
