#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"

// Where the fleet lives in etcd, under one prefix (--etcd-prefix):
//   <prefix>/nodes/<node>/pods/<namespace>_<name>   desired pod for one node (YAML or JSON)
//   <prefix>/all/pods/<namespace>_<name>            desired pod for every node
//   <prefix>/status/<node>/node                     the node record (JSON), under its lease
//   <prefix>/status/<node>/pods/<namespace>_<name>  the pod as /pods shows it, under the lease
// Pure functions: the layout, the node record, reading the view back, file_sd targets.
namespace podkeeper::fleet {

std::string desiredKey(const std::string& prefix, const std::string& node,  // "" = all
                       const std::string& ns, const std::string& name);
std::string statusPrefix(const std::string& prefix);
std::string nodeStatusPrefix(const std::string& prefix, const std::string& node);
std::string nodeRecordKey(const std::string& prefix, const std::string& node);
std::string podStatusKey(const std::string& prefix, const std::string& node, const std::string& ns,
                         const std::string& name);

struct NodeFacts {
  std::string name;
  std::string address;        // InternalIP
  std::string metricsListen;  // HOST:PORT of the plain /metrics port ("" = off)
  uint64_t cpuCores = 0;
  uint64_t memoryBytes = 0;
  std::string version;
  int64_t startedAt = 0;  // unix seconds
};

// The node record, shaped like a v1 Node's metadata and status.
nlohmann::json nodeRecord(const NodeFacts& facts, bool ready, int pods);

// The pod as /pods shows it, minus env values: etcd is readable by every node and operator
// of the fleet, and a pod from the manifest directory must not publish its env there
// (DESIGN 4.8 keeps specs off plain ports for the same reason). Each env entry keeps its name;
// value and valueFrom become "(redacted)".
nlohmann::json redactEnv(nlohmann::json pod);

// What `fleet get` reads: every node record and pod status under <prefix>/status/.
struct FleetView {
  std::map<std::string, nlohmann::json> nodes;               // node -> record
  std::vector<std::pair<std::string, nlohmann::json>> pods;  // (node, pod JSON)
};
FleetView parseFleetView(const std::string& prefix,
                         const std::vector<std::pair<std::string, std::string>>& kvs);

// Prometheus file_sd: one target group per node that serves /metrics.
nlohmann::json fileSdTargets(const FleetView& view);

}  // namespace podkeeper::fleet
