#include "runtime/bundle/shim_protocol.h"

#include <charconv>

namespace podkeeper::runtime {
namespace {

std::optional<pid_t> parsePid(std::string_view s) {
  pid_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

void applyLine(std::string_view line, ShimReport& r) {
  const auto space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view rest = space == line.npos ? std::string_view() : line.substr(space + 1);
  if (verb == "shim") {
    if (auto p = parsePid(rest)) r.shimPid = p;
    return;
  }
  if (verb == "error") {
    r.error = std::string(rest);
    return;
  }
  if (verb == "ok") {
    const auto sp = rest.find(' ');
    auto shim = parsePid(rest.substr(0, sp));
    const std::string_view tail = sp == rest.npos ? std::string_view() : rest.substr(sp + 1);
    const auto sp2 = tail.find(' ');
    auto pid = sp == rest.npos ? std::nullopt : parsePid(tail.substr(0, sp2));
    if (shim && pid) {
      r.shimPid = shim;
      r.containerPid = pid;
      if (sp2 != tail.npos) r.timeline = std::string(tail.substr(sp2 + 1));
      return;
    }
  }
  r.error = "malformed shim report \"" + std::string(line) + "\"";
}

}  // namespace

std::string formatShimStarted(pid_t shimPid) { return "shim " + std::to_string(shimPid) + "\n"; }

std::string formatShimOk(pid_t shimPid, pid_t containerPid, std::string_view timeline) {
  std::string line = "ok " + std::to_string(shimPid) + " " + std::to_string(containerPid);
  if (!timeline.empty()) {
    line += ' ';
    for (char c : timeline) line += (c == '\n' ? ' ' : c);
  }
  return line + "\n";
}

std::string formatShimError(std::string_view message) {
  std::string line = "error ";
  for (char c : message) line += (c == '\n' ? ' ' : c);
  return line + "\n";
}

ShimReport parseShimReport(std::string_view text) {
  ShimReport r;
  while (true) {
    const auto nl = text.find('\n');
    if (nl == text.npos) break;
    applyLine(text.substr(0, nl), r);
    text.remove_prefix(nl + 1);
  }
  return r;
}

}  // namespace podkeeper::runtime
