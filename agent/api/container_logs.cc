#include "agent/api/container_logs.h"

#include <charconv>

#include "agent/api/api_response.h"
#include "runtime/logs/cri_log.h"

namespace podkeeper::api {
namespace {

Result<bool> parseBool(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0" || value.empty()) return false;
  return failMsg("query parameter " + name + ": want true or false, got \"" + value + "\"");
}

Result<long> parseCount(const std::string& name, const std::string& value, long min) {
  long n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n < min)
    return failMsg("query parameter " + name + ": want an integer >= " + std::to_string(min) +
                   ", got \"" + value + "\"");
  return n;
}

// "2024-05-01T12:00:00.5Z" -> "2024-05-01T12:00:00.500000000" (comparable as strings).
std::string normalized(std::string_view time) {
  std::string out(time.substr(0, std::min<size_t>(19, time.size())));
  std::string fraction;
  if (time.size() > 20 && time[19] == '.') {
    auto f = time.substr(20);
    fraction = std::string(f.substr(0, f.find('Z')));
  }
  fraction.resize(9, '0');
  return out + "." + fraction;
}

}  // namespace

Result<ContainerLogQuery> parseContainerLogQuery(std::string_view query) {
  ContainerLogQuery q;
  for (const auto& [name, value] : parseQuery(query)) {
    if (name == "follow" || name == "timestamps" || name == "previous") {
      auto b = parseBool(name, value);
      if (!b) return fail(b.error());
      (name == "follow" ? q.follow : name == "timestamps" ? q.timestamps : q.previous) = *b;
    } else if (name == "tailLines" || name == "sinceSeconds" || name == "limitBytes") {
      auto n = parseCount(name, value, name == "tailLines" ? 0 : 1);
      if (!n) return fail(n.error());
      (name == "tailLines"      ? q.tailLines
       : name == "sinceSeconds" ? q.sinceSeconds
                                : q.limitBytes) = *n;
    }  // other parameters (e.g. pretty) are ignored, as the kubelet does
  }
  return q;
}

bool timeAtOrAfter(std::string_view time, std::string_view cutoff) {
  return normalized(time) >= normalized(cutoff);
}

LogSelection::LogSelection(const ContainerLogQuery& query, int64_t nowNs) : query_(query) {
  if (query_.sinceSeconds)
    cutoff_ = runtime::formatRfc3339Nano(nowNs - *query_.sinceSeconds * 1'000'000'000);
}

// True for the lines before the first one at or after the cutoff (kubelet: the log is in
// time order, so the first line in decides).
bool LogSelection::beforeSince(const runtime::TimedLine& line, bool& reached) const {
  if (reached || cutoff_.empty()) return false;
  reached = timeAtOrAfter(line.time, cutoff_);
  return !reached;
}

void LogSelection::count(const std::vector<runtime::TimedLine>& lines) {
  for (const auto& line : lines)
    if (!beforeSince(line, countReachedSince_)) ++counted_;
}

std::string LogSelection::render(const std::vector<runtime::TimedLine>& lines) {
  if (!skip_) {
    const auto tail = static_cast<size_t>(query_.tailLines.value_or(0));
    skip_ = query_.tailLines && counted_ > tail ? counted_ - tail : 0;
  }
  std::string out;
  for (const auto& line : lines) {
    if (full_) break;
    if (beforeSince(line, reachedSince_)) continue;
    if (*skip_ > 0) {
      --*skip_;
      continue;
    }
    if (query_.timestamps) out += line.time + " ";
    out += line.text + "\n";
    if (query_.limitBytes && written_ + out.size() >= static_cast<size_t>(*query_.limitBytes)) {
      out.resize(static_cast<size_t>(*query_.limitBytes) - written_);
      full_ = true;
    }
  }
  written_ += out.size();
  return out;
}

std::string renderContainerLog(const std::vector<runtime::TimedLine>& lines,
                               const ContainerLogQuery& query, int64_t nowNs) {
  LogSelection selection(query, nowNs);
  selection.count(lines);
  return selection.render(lines);
}

}  // namespace podkeeper::api
