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

// The lines the query selects, as text: "<text>\n", or "<time> <text>\n" with timestamps.
std::string renderContainerLog(const std::vector<runtime::TimedLine>& lines,
                               const ContainerLogQuery& query, int64_t nowNs);

// True when an RFC3339Nano time is at or after another (fractions of any length).
bool timeAtOrAfter(std::string_view time, std::string_view cutoff);

}  // namespace podkeeper::api
