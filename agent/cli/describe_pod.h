#pragma once

#include <cstdint>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/cli/api_client.h"

namespace podkeeper::cli {

struct DescribePodOptions {
  ApiEndpoint endpoint;  // --socket, or --server with credentials
  std::string namespace_ = "default";
  std::string name;
};

// `podkeeper describe pod NAME`: 0 on success, 1 with the reason on err.
int runDescribePod(const DescribePodOptions& options, std::ostream& out, std::ostream& err);

// kubectl describe's layout: identity, containers (spec summary, state, last state, ready,
// restarts, resources, env, mounts), conditions, volumes, QoS class and the events table.
std::string describePod(const nlohmann::json& pod, const nlohmann::json& eventList, int64_t nowNs);

}  // namespace podkeeper::cli
