#include "runtime/cgroup/mountinfo.h"

#include <algorithm>
#include <array>

namespace podkeeper::runtime::cgroup {
namespace {

std::vector<std::string_view> splitFields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos < line.size()) {
    const size_t b = line.find_first_not_of(' ', pos);
    if (b == std::string_view::npos) break;
    const size_t e = std::min(line.find(' ', b), line.size());
    out.push_back(line.substr(b, e - b));
    pos = e;
  }
  return out;
}

// mountinfo escapes space, tab, newline and backslash as \ooo.
std::string unescapeOctal(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const bool octal = s[i] == '\\' && i + 3 < s.size() &&
                       std::all_of(s.begin() + i + 1, s.begin() + i + 4,
                                   [](char c) { return c >= '0' && c <= '7'; });
    if (octal) {
      out.push_back(
          static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string> splitComma(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const auto c = s.find(',');
    out.emplace_back(s.substr(0, c));
    if (c == std::string_view::npos) break;
    s.remove_prefix(c + 1);
  }
  return out;
}

Result<MountEntry> parseLine(std::string_view line) {
  const auto f = splitFields(line);
  const auto dash = std::find(f.begin(), f.end(), "-");
  // id parent maj:min root mountpoint options [optional...] - fstype source superoptions
  if (f.size() < 10 || dash == f.end() || dash - f.begin() < 6 || f.end() - dash < 4) {
    return failMsg("malformed mountinfo line \"" + std::string(line) + "\"");
  }
  return MountEntry{unescapeOctal(f[3]), unescapeOctal(f[4]), std::string(dash[1]),
                    splitComma(dash[3]), std::vector<std::string>(f.begin() + 6, dash)};
}

}  // namespace

namespace {

// Calls take(line, entry) for each non-blank line, in order; the first unparsable line is an
// error naming its number.
template <class Take>
Result<void> forEachEntry(std::string_view text, Take take) {
  int lineNo = 0;
  while (!text.empty()) {
    ++lineNo;
    const auto nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.find_first_not_of(' ') == std::string_view::npos) continue;
    auto entry = parseLine(line);
    if (!entry) return fail(entry.error().context("line " + std::to_string(lineNo)));
    take(line, std::move(*entry));
  }
  return {};
}

}  // namespace

Result<std::vector<MountEntry>> parseMountinfo(std::string_view text) {
  std::vector<MountEntry> out;
  auto r = forEachEntry(text, [&](std::string_view, MountEntry e) { out.push_back(std::move(e)); });
  if (!r) return fail(r.error());
  return out;
}

Result<std::string> mountinfoLinesUnder(std::string_view text, const std::string& root) {
  std::string out;
  auto r = forEachEntry(text, [&](std::string_view line, const MountEntry& e) {
    const std::string& at = e.mountPoint;
    const bool under = at == root || root == "/" ||
                       (at.size() > root.size() && at.starts_with(root) && at[root.size()] == '/');
    if (!under) return;
    out.append(line);
    out.push_back('\n');
  });
  if (!r) return fail(r.error());
  return out;
}

std::vector<std::string> v1Controllers(const MountEntry& m) {
  static constexpr std::array<std::string_view, 6> kGeneric = {
      "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode"};
  std::vector<std::string> out;
  for (const std::string& opt : m.superOptions) {
    if (std::find(kGeneric.begin(), kGeneric.end(), opt) != kGeneric.end()) continue;
    if (opt.starts_with("release_agent=")) continue;
    out.push_back(opt);
  }
  return out;
}

}  // namespace podkeeper::runtime::cgroup
