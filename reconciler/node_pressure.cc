#include "reconciler/node_pressure.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <functional>

#include "common/clock.h"
#include "manifests/quantity.h"

namespace podkeeper::reconciler {
namespace {

constexpr std::array<std::pair<Signal, const char*>, 6> kSignals{{
    {Signal::MemoryAvailable, "memory.available"},
    {Signal::NodeFsAvailable, "nodefs.available"},
    {Signal::NodeFsInodesFree, "nodefs.inodesFree"},
    {Signal::ImageFsAvailable, "imagefs.available"},
    {Signal::ImageFsInodesFree, "imagefs.inodesFree"},
    {Signal::PidAvailable, "pid.available"},
}};

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

// The resource a signal reclaims, as the kubelet names it in its messages.
const char* resourceOf(Signal s) {
  switch (s) {
    case Signal::MemoryAvailable:
      return "memory";
    case Signal::NodeFsAvailable:
    case Signal::ImageFsAvailable:
      return "ephemeral-storage";
    case Signal::NodeFsInodesFree:
    case Signal::ImageFsInodesFree:
      return "inodes";
    case Signal::PidAvailable:
      return "pids";
  }
  return "";
}

bool countsBytes(Signal s) {
  return s == Signal::MemoryAvailable || s == Signal::NodeFsAvailable ||
         s == Signal::ImageFsAvailable;
}

// strconv.ParseFloat(trimmed, 32) / 100, as float32.
std::optional<float> parsePercentage(std::string_view text) {
  std::string number(text.substr(0, text.size() - 1));
  if (number.empty()) return std::nullopt;
  float v = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v);
  if (ec != std::errc() || end != number.data() + number.size() || !std::isfinite(v))
    return std::nullopt;
  return v / 100.0f;
}

Result<Signal> knownSignal(const std::string& setting, const std::string& name) {
  auto s = parseSignal(name);
  if (!s) return failMsg(setting + ": unsupported eviction signal \"" + name + "\"");
  return *s;
}

Result<std::optional<ThresholdValue>> thresholdValue(const std::string& setting, Signal signal,
                                                     const std::string& val) {
  const std::string where = setting + ": " + toString(signal) + " \"" + val + "\"";
  if (val.ends_with("%")) {
    if (val == "0%" || val == "100%") return std::optional<ThresholdValue>();  // disabled
    auto p = parsePercentage(val);
    if (!p) return failMsg(where + " is not a valid percentage");
    if (*p < 0) return failMsg(where + ": a percentage threshold must be >= 0%");
    if (*p > 1) return failMsg(where + ": a percentage threshold must be <= 100%");
    return std::optional<ThresholdValue>(ThresholdValue{std::nullopt, *p});
  }
  auto q = manifests::parseBytes(val);
  if (!q.value) return failMsg(where + " " + q.error);
  if (*q.value <= 0) return failMsg(where + ": an eviction threshold must be positive");
  return std::optional<ThresholdValue>(ThresholdValue{*q.value, 0});
}

Result<ThresholdValue> reclaimValue(const std::string& setting, Signal signal,
                                    const std::string& val) {
  const std::string where = setting + ": " + toString(signal) + " \"" + val + "\"";
  if (val.ends_with("%")) {
    auto p = parsePercentage(val);
    if (!p) return failMsg(where + " is not a valid percentage");
    if (*p <= 0) return failMsg(where + ": a percentage minimum reclaim must be positive");
    return ThresholdValue{std::nullopt, *p};
  }
  auto q = manifests::parseBytes(val);
  if (!q.value) return failMsg(where + " " + q.error);
  if (*q.value < 0) return failMsg(where + ": a minimum reclaim must not be negative");
  return ThresholdValue{*q.value, 0};
}

Result<int64_t> duration(const std::string& setting, const std::string& val) {
  auto ns = parseGoDurationNs(val);
  if (!ns) return failMsg(setting + ": \"" + val + "\" is not a duration (such as 90s or 1m30s)");
  if (*ns < 0) return failMsg(setting + ": \"" + val + "\" must not be negative");
  return *ns;
}

Result<std::vector<Threshold>> thresholds(const std::string& setting,
                                          const std::map<std::string, std::string>& statements) {
  std::vector<Threshold> out;
  for (const auto& [name, val] : statements) {
    auto signal = knownSignal(setting, name);
    if (!signal) return fail(signal.error());
    auto value = thresholdValue(setting, *signal, val);
    if (!value) return fail(value.error());
    if (*value) out.push_back(Threshold{*signal, **value, 0, std::nullopt});
  }
  return out;
}

// Met: available < value (plus the minimum reclaim when enforced), against the capacity.
bool met(const Threshold& t, const Observation& o, bool enforceMinReclaim) {
  int64_t quantity = t.value.resolve(o.capacity);
  if (enforceMinReclaim && t.minReclaim) quantity += t.minReclaim->resolve(o.capacity);
  return quantity > o.available;
}

// -1: a before b, 1: b before a, 0: undecided.
using Compare = std::function<int(const EvictionCandidate&, const EvictionCandidate&)>;

int cmpBool(bool a, bool b) { return a == b ? 0 : (a ? -1 : 1); }

int cmpNumber(int64_t before, int64_t after) {
  return before == after ? 0 : (before > after ? -1 : 1);
}

int priorityOrder(const EvictionCandidate& a, const EvictionCandidate& b) {
  return a.priority == b.priority ? 0 : (a.priority < b.priority ? -1 : 1);
}

std::optional<int64_t> diskOf(const EvictionCandidate& p, Signal s) {
  return (s == Signal::NodeFsInodesFree || s == Signal::ImageFsInodesFree) ? p.diskInodes
                                                                           : p.diskBytes;
}

std::vector<Compare> rankers(Signal signal) {
  if (signal == Signal::MemoryAvailable) {
    auto has = [](const EvictionCandidate& p) { return p.memoryWorkingSet.has_value(); };
    return {
        [has](const auto& a, const auto& b) {
          if (!has(a) || !has(b)) return cmpBool(!has(a), !has(b));
          return cmpBool(*a.memoryWorkingSet > a.memoryRequest,
                         *b.memoryWorkingSet > b.memoryRequest);
        },
        priorityOrder,
        [has](const auto& a, const auto& b) {
          if (!has(a) || !has(b)) return cmpBool(!has(a), !has(b));
          return cmpNumber(*a.memoryWorkingSet - a.memoryRequest,
                           *b.memoryWorkingSet - b.memoryRequest);
        },
    };
  }
  if (signal == Signal::PidAvailable) {
    auto has = [](const EvictionCandidate& p) { return p.processes.has_value(); };
    return {priorityOrder, [has](const auto& a, const auto& b) {
              if (!has(a) || !has(b)) return cmpBool(!has(a), !has(b));
              return cmpNumber(*a.processes, *b.processes);
            }};
  }
  auto has = [signal](const EvictionCandidate& p) { return diskOf(p, signal).has_value(); };
  // Inodes have no requests: the kubelet compares them against a zero request.
  const bool inodes = signal == Signal::NodeFsInodesFree || signal == Signal::ImageFsInodesFree;
  return {
      [=](const auto& a, const auto& b) {
        if (!has(a) || !has(b)) return cmpBool(!has(a), !has(b));
        return cmpBool(*diskOf(a, signal) > (inodes ? 0 : a.storageRequest),
                       *diskOf(b, signal) > (inodes ? 0 : b.storageRequest));
      },
      priorityOrder,
      [=](const auto& a, const auto& b) {
        if (!has(a) || !has(b)) return cmpBool(!has(a), !has(b));
        return cmpNumber(*diskOf(a, signal) - a.storageRequest,
                         *diskOf(b, signal) - b.storageRequest);
      },
  };
}

std::string quantityOf(int64_t value, bool binary) {
  if (binary) return manifests::formatBytes(value);
  static constexpr std::array<const char*, 6> kDecimal{"k", "M", "G", "T", "P", "E"};
  if (value == 0) return "0";
  int64_t v = value;
  int unit = -1;
  while (unit + 1 < int(kDecimal.size()) && v % 1000 == 0) {
    v /= 1000;
    ++unit;
  }
  return unit < 0 ? std::to_string(value) : std::to_string(v) + kDecimal[size_t(unit)];
}

}  // namespace

const char* toString(Signal s) {
  for (const auto& [signal, name] : kSignals)
    if (signal == s) return name;
  return "";
}

std::optional<Signal> parseSignal(std::string_view name) {
  for (const auto& [signal, known] : kSignals)
    if (name == known) return signal;
  return std::nullopt;
}

const char* toString(NodeCondition c) {
  switch (c) {
    case NodeCondition::MemoryPressure:
      return "MemoryPressure";
    case NodeCondition::DiskPressure:
      return "DiskPressure";
    case NodeCondition::PIDPressure:
      return "PIDPressure";
  }
  return "";
}

NodeCondition conditionOf(Signal s) {
  if (s == Signal::MemoryAvailable) return NodeCondition::MemoryPressure;
  if (s == Signal::PidAvailable) return NodeCondition::PIDPressure;
  return NodeCondition::DiskPressure;
}

int64_t ThresholdValue::resolve(int64_t capacity) const {
  if (quantity) return *quantity;
  return int64_t(double(capacity) * double(percentage));
}

std::optional<int64_t> parseGoDurationNs(std::string_view text) {
  if (text == "0") return 0;
  bool negative = false;
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  static constexpr std::array<std::pair<std::string_view, double>, 7> kUnits{{
      {"ns", 1.0},
      {"us", 1e3},
      {"ms", 1e6},
      {"s", 1e9},
      {"m", 60e9},
      {"h", 3600e9},
      {"µs", 1e3},
  }};
  double total = 0;
  while (!text.empty()) {
    size_t n = 0;
    while (n < text.size() && ((text[n] >= '0' && text[n] <= '9') || text[n] == '.')) ++n;
    if (n == 0) return std::nullopt;
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + n, value);
    if (ec != std::errc() || end != text.data() + n) return std::nullopt;
    text.remove_prefix(n);
    double scale = 0;
    for (const auto& [unit, s] : kUnits) {
      // "m" must not swallow the "m" of "ms": longest units are tried first by order above.
      if (text.starts_with(unit) && (unit != "m" || !text.starts_with("ms"))) {
        scale = s;
        text.remove_prefix(unit.size());
        break;
      }
    }
    if (scale == 0) return std::nullopt;
    total += value * scale;
    if (total > 9.2e18) return std::nullopt;
  }
  return int64_t(negative ? -total : total);
}

Result<std::map<std::string, std::string>> parseEvictionFlag(std::string_view flag,
                                                             std::string_view text, char op) {
  std::map<std::string, std::string> out;
  const std::string name(flag);
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string statement = trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (statement.empty()) continue;
    const size_t at = statement.find(op);
    if (at == std::string::npos || at == 0 || at + 1 == statement.size())
      return failMsg(name + ": \"" + statement + "\" is not of the form SIGNAL" + op + "VALUE");
    const std::string key = trim(std::string_view(statement).substr(0, at));
    if (out.contains(key)) return failMsg(name + ": " + key + " is given twice");
    out[key] = trim(std::string_view(statement).substr(at + 1));
  }
  return out;
}

Result<EvictionConfig> parseEvictionConfig(const EvictionSettings& s) {
  static constexpr const char* kGraceSetting =
      "evictionSoftGracePeriod (--eviction-soft-grace-period)";
  static constexpr const char* kReclaimSetting =
      "evictionMinimumReclaim (--eviction-minimum-reclaim)";
  EvictionConfig c;
  auto hard = thresholds("evictionHard (--eviction-hard)", s.hard);
  if (!hard) return fail(hard.error());
  auto soft = thresholds("evictionSoft (--eviction-soft)", s.soft);
  if (!soft) return fail(soft.error());
  std::map<Signal, int64_t> grace;
  for (const auto& [name, val] : s.softGracePeriod) {
    auto signal = knownSignal(kGraceSetting, name);
    if (!signal) return fail(signal.error());
    auto ns = duration(std::string(kGraceSetting) + ": " + name, val);
    if (!ns) return fail(ns.error());
    grace[*signal] = *ns;
  }
  std::map<Signal, ThresholdValue> reclaim;
  for (const auto& [name, val] : s.minimumReclaim) {
    auto signal = knownSignal(kReclaimSetting, name);
    if (!signal) return fail(signal.error());
    auto v = reclaimValue(kReclaimSetting, *signal, val);
    if (!v) return fail(v.error());
    reclaim[*signal] = *v;
  }
  for (auto& t : *soft) {
    auto g = grace.find(t.signal);
    if (g == grace.end())
      return failMsg(std::string("evictionSoft (--eviction-soft): ") + toString(t.signal) +
                     ": a soft threshold needs a grace period in " + kGraceSetting);
    // A zero grace period would make it a hard threshold (the kubelet's isHardEvictionThreshold).
    t.gracePeriodNs = std::max<int64_t>(g->second, 1);
  }
  c.thresholds = std::move(*hard);
  c.thresholds.insert(c.thresholds.end(), soft->begin(), soft->end());
  for (auto& t : c.thresholds)
    if (auto r = reclaim.find(t.signal); r != reclaim.end()) t.minReclaim = r->second;
  if (s.maxPodGracePeriodSeconds < 0)
    return failMsg("evictionMaxPodGracePeriod (--eviction-max-pod-grace-period): " +
                   std::to_string(s.maxPodGracePeriodSeconds) + " must not be negative");
  c.maxPodGracePeriodSeconds = s.maxPodGracePeriodSeconds;
  auto transition =
      duration("evictionPressureTransitionPeriod (--eviction-pressure-transition-period)",
               s.pressureTransitionPeriod);
  if (!transition) return fail(transition.error());
  c.pressureTransitionPeriodNs = *transition;
  auto interval = duration("--eviction-monitoring-interval", s.monitoringInterval);
  if (!interval) return fail(interval.error());
  if (*interval < int64_t(100) * kNsPerMs)
    return failMsg("--eviction-monitoring-interval: \"" + s.monitoringInterval +
                   "\" must be at least 100ms");
  c.monitoringIntervalNs = *interval;
  return c;
}

std::vector<std::string> rankForEviction(Signal signal,
                                         const std::vector<EvictionCandidate>& pods) {
  std::vector<const EvictionCandidate*> order;
  for (const auto& p : pods) order.push_back(&p);
  const auto cmps = rankers(signal);
  std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) {
    for (const auto& cmp : cmps)
      if (int r = cmp(*a, *b); r != 0) return r < 0;
    return false;
  });
  std::vector<std::string> keys;
  for (const auto* p : order) keys.push_back(p->key);
  return keys;
}

std::string formatQuantity(Signal signal, int64_t value) {
  return quantityOf(value, countsBytes(signal));
}

std::string evictionMessage(Signal signal, const Threshold& threshold, const Observation& observed,
                            const EvictionCandidate& pod) {
  std::string m = std::string("The node was low on resource: ") + resourceOf(signal) + ". ";
  m += "Threshold quantity: " + formatQuantity(signal, threshold.value.resolve(observed.capacity)) +
       ", available: " + formatQuantity(signal, observed.available) + ". ";
  for (const auto& c : pod.containers) {
    std::optional<int64_t> usage;
    int64_t request = 0;
    if (signal == Signal::MemoryAvailable) {
      usage = c.memoryWorkingSet;
      request = c.memoryRequest;
    } else if (signal == Signal::NodeFsAvailable || signal == Signal::ImageFsAvailable) {
      usage = c.diskBytes;
      request = c.storageRequest;
    }
    if (usage && *usage > request)
      m += "Container " + c.name + " was using " + manifests::formatBytes(*usage) +
           ", request is " + manifests::formatBytes(request) + ", has larger consumption of " +
           resourceOf(signal) + ". ";
  }
  return m;
}

std::optional<std::string> pressureAdmission(const std::set<NodeCondition>& conditions,
                                             bool bestEffort, bool critical) {
  if (conditions.empty() || critical) return std::nullopt;
  const bool onlyMemory =
      conditions.size() == 1 && conditions.contains(NodeCondition::MemoryPressure);
  if (onlyMemory && !bestEffort) return std::nullopt;
  std::string list;
  for (auto c : conditions) list += std::string(list.empty() ? "" : " ") + toString(c);
  return "The node had condition: [" + list + "]. ";
}

EvictionDecision planEviction(const EvictionState& state, const EvictionConfig& config,
                              const Observations& observed,
                              const std::vector<EvictionCandidate>& pods, int64_t nowNs) {
  EvictionDecision d;
  // Thresholds met now, independent of grace; and those met before that have not yet
  // reclaimed their minimum.
  std::vector<Threshold> now;
  for (const auto& t : config.thresholds)
    if (auto o = observed.find(t.signal); o != observed.end() && met(t, o->second, false))
      now.push_back(t);
  for (const auto& t : state.met)
    if (auto o = observed.find(t.signal); o != observed.end() && met(t, o->second, true))
      if (std::find(now.begin(), now.end(), t) == now.end()) now.push_back(t);
  // When each was first seen met.
  for (const auto& t : now) {
    int64_t at = nowNs;
    for (const auto& [seen, when] : state.firstObservedAtNs)
      if (seen == t) at = when;
    d.next.firstObservedAtNs.emplace_back(t, at);
  }
  // Conditions: seen now, or seen within the transition period.
  d.next.conditionLastObservedAtNs = state.conditionLastObservedAtNs;
  for (const auto& t : now) d.next.conditionLastObservedAtNs[conditionOf(t.signal)] = nowNs;
  for (const auto& [c, at] : d.next.conditionLastObservedAtNs)
    if (nowNs - at < config.pressureTransitionPeriodNs || at == nowNs) d.conditions.insert(c);
  // Those whose grace period has passed drive eviction.
  for (const auto& [t, at] : d.next.firstObservedAtNs)
    if (nowNs - at >= t.gracePeriodNs) d.next.met.push_back(t);
  if (d.next.met.empty()) return d;
  // Memory before everything else (byEvictionPriority).
  auto chosen = std::find_if(d.next.met.begin(), d.next.met.end(),
                             [](const auto& t) { return t.signal == Signal::MemoryAvailable; });
  d.reclaim = chosen != d.next.met.end() ? *chosen : d.next.met.front();
  const Signal signal = d.reclaim->signal;
  d.ranked = rankForEviction(signal, pods);
  // The message's threshold: the first met one for the same resource, as getThresholdMetInfo.
  const Threshold* about = &*d.reclaim;
  for (const auto& t : d.next.met)
    if (std::string(resourceOf(t.signal)) == resourceOf(signal)) {
      about = &t;
      break;
    }
  for (const auto& key : d.ranked) {
    const auto& pod =
        *std::find_if(pods.begin(), pods.end(), [&](const auto& p) { return p.key == key; });
    if (pod.critical) continue;
    d.evictKey = pod.key;
    d.evictUid = pod.uid;
    d.message = evictionMessage(signal, *about, observed.at(about->signal), pod);
    if (d.reclaim->hard()) {
      d.gracePeriodSeconds = kHardEvictionGraceSeconds;
    } else {
      // Soft: at most evictionMaxPodGracePeriod, never more than the pod's own.
      d.gracePeriodSeconds = std::min(pod.terminationGracePeriodSeconds,
                                      std::max<int64_t>(config.maxPodGracePeriodSeconds, 0));
    }
    break;
  }
  return d;
}

}  // namespace podkeeper::reconciler
