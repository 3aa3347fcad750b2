#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agent/cli/api_client.h"
#include "common/error.h"

namespace podkeeper::cli {

struct GetPodsOptions {
  ApiEndpoint endpoint;                // --socket, or --server with credentials
  std::string namespace_ = "default";  // -n
  bool allNamespaces = false;          // -A
  std::string output;                  // "" | wide | json | yaml
  std::vector<std::string> names;      // pods to show; empty = all
};

// `podkeeper get pods`: 0 on success, 1 with the reason on err.
int runGetPods(const GetPodsOptions& options, std::ostream& out, std::ostream& err);

// The printing part, on a PodList already fetched: the table (or "No resources found in
// default namespace.") or the list as JSON/YAML; a single named pod prints as a Pod.
Result<std::string> formatPods(const nlohmann::json& podList, const GetPodsOptions& options,
                               int64_t nowNs);

int64_t wallClockNs();

}  // namespace podkeeper::cli
