#include "runtime/cgroup/file_parsers.h"

#include <charconv>
#include <cstdint>
#include <limits>
#include <string>

namespace podkeeper::runtime::cgroup {
namespace {

constexpr std::string_view kSpace = " \t\n";

std::string_view trim(std::string_view s) {
  const auto b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(kSpace);
  return s.substr(b, e - b + 1);
}

template <class T>
std::optional<T> parseNumber(std::string_view text) {
  const std::string_view s = trim(text);
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Calls f(line) for each line of text, without the newline.
template <class F>
void forEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    f(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

std::optional<uint64_t> parseUint(std::string_view text) { return parseNumber<uint64_t>(text); }
std::optional<int64_t> parseInt(std::string_view text) { return parseNumber<int64_t>(text); }

Result<std::optional<uint64_t>> parseMaxOrUint(std::string_view text) {
  if (trim(text) == "max") return std::optional<uint64_t>();
  if (auto v = parseUint(text)) return v;
  return failMsg("expected a number or \"max\", got \"" + std::string(trim(text)) + "\"");
}

void scanFlatKeyed(std::string_view text, std::span<const FlatKey> keys) {
  forEachLine(text, [&](std::string_view line) {
    const auto sp = line.find(' ');
    if (sp == std::string_view::npos) return;
    const std::string_view key = line.substr(0, sp);
    for (const FlatKey& k : keys) {
      if (k.key != key) continue;
      if (auto v = parseUint(line.substr(sp + 1))) *k.out = v;
      return;
    }
  });
}

std::optional<uint64_t> flatKeyedValue(std::string_view text, std::string_view key) {
  std::optional<uint64_t> out;
  const FlatKey k{key, &out};
  scanFlatKeyed(text, std::span(&k, 1));
  return out;
}

std::optional<CpuMax> parseCpuMax(std::string_view text) {
  const std::string_view s = trim(text);
  const auto sp = s.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  const auto period = parseUint(s.substr(sp + 1));
  if (!period) return std::nullopt;
  const std::string_view quota = s.substr(0, sp);
  if (quota == "max") return CpuMax{std::nullopt, *period};
  const auto q = parseInt(quota);
  if (!q) return std::nullopt;
  return CpuMax{*q, *period};
}

std::optional<uint64_t> v1MemoryLimit(uint64_t raw, uint64_t pageSize) {
  const auto maxSigned = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  const uint64_t unlimited = pageSize ? (maxSigned / pageSize) * pageSize : maxSigned;
  if (raw >= unlimited) return std::nullopt;
  return raw;
}

void appendPids(std::string_view text, std::vector<pid_t>& out) {
  forEachLine(text, [&](std::string_view line) {
    if (auto pid = parseNumber<pid_t>(line)) out.push_back(*pid);
  });
}

uint64_t countLines(std::string_view text) {
  uint64_t n = 0;
  forEachLine(text, [&](std::string_view line) { n += !trim(line).empty(); });
  return n;
}

}  // namespace podkeeper::runtime::cgroup
