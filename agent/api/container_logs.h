#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "runtime/logs/cri_log_reader.h"

// GET /containerLogs/<namespace>/<pod>/<container>: a container's log as `kubectl logs`
// prints it, with the kubelet's query parameters. Pure parts here (unit-tested); the route
// is added by addPodRoutes (pod_api.h).
namespace podkeeper::api {

struct ContainerLogQuery {
  bool follow = false;
  bool timestamps = false;
  bool previous = false;
  std::optional<long> tailLines;     // the last N lines
  std::optional<long> sinceSeconds;  // lines written in the last N seconds
  std::optional<long> limitBytes;    // at most N bytes of output
};

// The kubelet's names; an error names the parameter and its value (for a 400 answer).
Result<ContainerLogQuery> parseContainerLogQuery(std::string_view query);

// The query's selection applied to a log read in order, in chunks of any size: `since` drops
// the lines before the first one at or after the cutoff; a tail needs the lines counted first
// (count() over every chunk, then render() over them again); limitBytes ends the output.
class LogSelection {
 public:
  LogSelection(const ContainerLogQuery& query, int64_t nowNs);
  bool needsCount() const { return query_.tailLines.has_value(); }
  // The counting pass for a tail.
  void count(const std::vector<runtime::TimedLine>& lines);
  // The text of the selected lines among these: "<text>\n", or "<time> <text>\n" with
  // timestamps.
  std::string render(const std::vector<runtime::TimedLine>& lines);
  // The byte limit is reached: nothing more will be rendered.
  bool full() const { return full_; }

 private:
  bool beforeSince(const runtime::TimedLine& line, bool& reached) const;

  ContainerLogQuery query_;
  std::string cutoff_;  // RFC3339Nano; "" without sinceSeconds
  bool countReachedSince_ = false;
  bool reachedSince_ = false;
  size_t counted_ = 0;
  std::optional<size_t> skip_;  // lines before the tail, set by the first render
  size_t written_ = 0;
  bool full_ = false;
};

// The lines the query selects, as text (a LogSelection over one chunk).
std::string renderContainerLog(const std::vector<runtime::TimedLine>& lines,
                               const ContainerLogQuery& query, int64_t nowNs);

// True when an RFC3339Nano time is at or after another (fractions of any length).
bool timeAtOrAfter(std::string_view time, std::string_view cutoff);

}  // namespace podkeeper::api
