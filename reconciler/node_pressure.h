#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

// Node-pressure eviction, the kubelet's eviction manager (pkg/kubelet/eviction) without its
// god object: signals observed on the node, thresholds from --eviction-hard/-soft, node
// conditions that do not flap, and one pod chosen per monitoring pass, ranked as the kubelet
// ranks. Pure: the measurements come in as values (node_stats.h), the decision goes out as a
// value; eviction_monitor.h carries it out.
namespace podkeeper::reconciler {

enum class Signal {
  MemoryAvailable,   // memory.available: capacity - working set of the root cgroup
  NodeFsAvailable,   // nodefs.available: statvfs of --root-dir, bytes
  NodeFsInodesFree,  // nodefs.inodesFree
  ImageFsAvailable,  // imagefs.available: statvfs of --image-dir, bytes
  ImageFsInodesFree,
  PidAvailable,  // pid.available: pid_max (or threads-max) - processes running
};
const char* toString(Signal s);
std::optional<Signal> parseSignal(std::string_view name);

enum class NodeCondition { MemoryPressure, DiskPressure, PIDPressure };
const char* toString(NodeCondition c);
NodeCondition conditionOf(Signal s);

// A quantity ("100Mi", "1000") or a fraction of the capacity ("10%" -> 0.1).
struct ThresholdValue {
  std::optional<int64_t> quantity;
  double percentage = 0;
  // What it amounts to against `capacity` (the kubelet: capacity * percentage, truncated).
  int64_t resolve(int64_t capacity) const;
  bool operator==(const ThresholdValue&) const = default;
};

struct Threshold {
  Signal signal = Signal::MemoryAvailable;
  ThresholdValue value;                      // met while available < value
  int64_t gracePeriodNs = 0;                 // 0: hard (acted on at once)
  std::optional<ThresholdValue> minReclaim;  // once met, met until available >= value + this
  bool hard() const { return gracePeriodNs == 0; }
  bool operator==(const Threshold&) const = default;
};

// The kubelet's settings, with its value syntax: signal -> value maps as in
// KubeletConfiguration (evictionHard: {memory.available: 100Mi}); durations in Go's syntax
// ("1m30s"). The flags' text form ("memory.available<100Mi,nodefs.available<10%") is read
// into these maps by parseEvictionFlag.
struct EvictionSettings {
  std::map<std::string, std::string> hard = {{"memory.available", "100Mi"},
                                             {"nodefs.available", "10%"},
                                             {"nodefs.inodesFree", "5%"},
                                             {"imagefs.available", "15%"}};
  std::map<std::string, std::string> soft;
  std::map<std::string, std::string> softGracePeriod;
  std::map<std::string, std::string> minimumReclaim;
  int64_t maxPodGracePeriodSeconds = 0;
  std::string pressureTransitionPeriod = "5m";
  std::string monitoringInterval = "10s";  // podkeeper's: the kubelet's is a fixed 10s
};

struct EvictionConfig {
  std::vector<Threshold> thresholds;
  int64_t maxPodGracePeriodSeconds = 0;
  int64_t pressureTransitionPeriodNs = 0;
  int64_t monitoringIntervalNs = 0;
};

// Reads a flag's text into a map: "a<1,b<2" with op '<' (thresholds) or "a=1m,b=2m" with op
// '=' (grace periods, minimum reclaim). Errors name the flag and the statement.
Result<std::map<std::string, std::string>> parseEvictionFlag(std::string_view flag,
                                                             std::string_view text, char op);

// Checks and converts every setting as the kubelet's ParseThresholdConfig does: unknown
// signals, bad quantities, percentages outside 0-100, a soft threshold without a grace
// period are errors naming the setting, the signal and the value; "0%" and "100%" disable a
// threshold.
Result<EvictionConfig> parseEvictionConfig(const EvictionSettings& settings);

// Go's time.ParseDuration for what configurations use ("90s", "1m30s", "5m", "1h", "500ms");
// nullopt when it is not one.
std::optional<int64_t> parseGoDurationNs(std::string_view text);

// What was measured of the node at one time.
struct Observation {
  int64_t available = 0;
  int64_t capacity = 0;
  bool operator==(const Observation&) const = default;
};
using Observations = std::map<Signal, Observation>;

// What a running pod uses, as the rankers need it.
struct ContainerUsage {
  std::string name;
  std::optional<int64_t> memoryWorkingSet;
  int64_t memoryRequest = 0;
  std::optional<int64_t> diskBytes;  // writable layer + logs
  int64_t storageRequest = 0;
};

struct EvictionCandidate {
  std::string key;  // namespace/name
  std::string uid;
  int32_t priority = 0;
  bool critical = false;  // priority >= 2000000000 (system-*-critical): never evicted
  int64_t terminationGracePeriodSeconds = 30;
  std::optional<int64_t> memoryWorkingSet;  // the pod cgroup's; nullopt: no stats
  int64_t memoryRequest = 0;
  std::optional<int64_t> processes;
  std::optional<int64_t> diskBytes;   // containers (layer + logs) + local volumes
  std::optional<int64_t> diskInodes;  // the same, in inodes
  int64_t storageRequest = 0;
  std::vector<ContainerUsage> containers;
};

// What the manager remembers between passes (the kubelet's thresholdsFirstObservedAt,
// nodeConditionsLastObservedAt, thresholdsMet).
struct EvictionState {
  std::vector<std::pair<Threshold, int64_t>> firstObservedAtNs;
  std::map<NodeCondition, int64_t> conditionLastObservedAtNs;
  std::vector<Threshold> met;  // met with grace satisfied at the last pass (min reclaim)
  bool operator==(const EvictionState&) const = default;
};

struct EvictionDecision {
  EvictionState next;
  std::set<NodeCondition> conditions;   // reported now (held for the transition period)
  std::optional<Threshold> reclaim;     // the threshold acted on, when one is met past its grace
  std::optional<std::string> evictKey;  // the pod chosen (one per pass), if any
  std::string evictUid;
  std::string message;              // the kubelet's eviction message for it
  int64_t gracePeriodSeconds = 0;   // how long its containers get
  std::vector<std::string> ranked;  // every candidate's key in eviction order (for logs/tests)
};

// The kubelet's immediateEvictionGracePeriodSeconds: a hard threshold's pods get 1 s.
inline constexpr int64_t kHardEvictionGraceSeconds = 1;
inline constexpr int32_t kCriticalPriority = 2000000000;

// One pass of the eviction manager (synchronize): thresholds met now, or still short of
// their minimum reclaim; conditions within the transition period; thresholds whose grace
// period has passed; memory first; the candidates ranked for the threshold's resource; the
// first that is not critical chosen. Pure.
EvictionDecision planEviction(const EvictionState& state, const EvictionConfig& config,
                              const Observations& observed,
                              const std::vector<EvictionCandidate>& pods, int64_t nowNs);

// The order the kubelet evicts in for a signal (rankMemoryPressure, rankPIDPressure,
// rankDiskPressureFunc): keys, first evicted first.
std::vector<std::string> rankForEviction(Signal signal, const std::vector<EvictionCandidate>& pods);

// The kubelet's admission under pressure (eviction manager Admit): no conditions, or only
// MemoryPressure and a pod that is not BestEffort, or a critical pod: admitted (nullopt);
// otherwise the message "The node had condition: [DiskPressure]. " (reason Evicted).
std::optional<std::string> pressureAdmission(const std::set<NodeCondition>& conditions,
                                             bool bestEffort, bool critical);

// The kubelet's eviction message: "The node was low on resource: memory. Threshold
// quantity: 100Mi, available: 51200Ki. Container hog was using 300Mi, request is 0, has
// larger consumption of memory. "
std::string evictionMessage(Signal signal, const Threshold& threshold, const Observation& observed,
                            const EvictionCandidate& pod);

// A quantity as Kubernetes prints it (resource.Quantity.String): binary suffixes for bytes
// when exact ("100Mi", "51200Ki"), the plain number otherwise; counts as plain numbers.
std::string formatQuantity(Signal signal, int64_t value);

}  // namespace podkeeper::reconciler
