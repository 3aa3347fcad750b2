#include "manifests/env_expansion.h"

#include <map>

#include "manifests/quantity.h"

namespace podkeeper::manifests {
namespace {

// "metadata.labels['k']" -> "k" when path has that prefix.
std::optional<std::string> subscript(const std::string& path, const std::string& prefix) {
  if (path.rfind(prefix, 0) != 0 || path.size() < prefix.size() + 2) return std::nullopt;
  return path.substr(prefix.size(), path.size() - prefix.size() - 2);
}

std::string lookupIn(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? "" : it->second;
}

}  // namespace

std::string fieldValue(const Pod& pod, const std::string& uid, const std::string& path,
                       const NodeFacts& node) {
  const ObjectMeta& m = pod.metadata;
  if (path == "metadata.name") return m.name;
  if (path == "metadata.namespace") return m.namespace_;
  if (path == "metadata.uid") return uid;
  if (path == "spec.nodeName") return node.nodeName;
  if (path == "spec.serviceAccountName") return pod.spec.serviceAccountName;
  if (path == "status.podIP" || path == "status.podIPs") return node.podIP;
  if (path == "status.hostIP" || path == "status.hostIPs") return node.hostIP;
  if (auto k = subscript(path, "metadata.labels['")) return lookupIn(m.labels, *k);
  if (auto k = subscript(path, "metadata.annotations['")) return lookupIn(m.annotations, *k);
  return "";
}

namespace {

// ceil(value / divisor), both at the same scale; the kubelet rounds up too.
int64_t divideUp(int64_t value, int64_t divisor) {
  if (divisor <= 0) divisor = 1;
  return value / divisor + (value % divisor != 0 ? 1 : 0);
}

}  // namespace

std::string resourceValue(const Pod& pod, const Container& self, const ResourceFieldSelector& r,
                          const NodeFacts& node) {
  const Container* c = r.containerName.empty() ? &self : findContainer(pod.spec, r.containerName);
  if (c == nullptr) return "";
  const bool limit = r.resource.rfind("limits.", 0) == 0;
  const ResourceList& list = limit ? c->resources.limits : c->resources.requests;
  auto pick = [&](const std::optional<int64_t>& v, int64_t capacity) {
    return v.value_or(limit ? capacity : 0);
  };
  if (r.resource.ends_with(".cpu")) {
    int64_t divisorMilli = parseQuantity(r.divisor, 3).value.value_or(1000);
    return std::to_string(divideUp(pick(list.cpuMilli, node.cpuMilli), divisorMilli));
  }
  int64_t divisor = parseQuantity(r.divisor, 0).value.value_or(1);
  if (r.resource.ends_with(".memory")) {
    return std::to_string(divideUp(pick(list.memoryBytes, node.memoryBytes), divisor));
  }
  return std::to_string(
      divideUp(pick(list.ephemeralStorageBytes, node.ephemeralStorageBytes), divisor));
}

std::string expandVariables(
    std::string_view input,
    const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  size_t i = 0;
  while (i < input.size()) {
    if (input[i] != '$' || i + 1 == input.size()) {
      out += input[i++];
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {
      out += '$';
      i += 2;
    } else if (next == '(') {
      size_t close = input.find(')', i + 2);
      if (close == std::string_view::npos) {
        out += "$(";
        i += 2;
        continue;
      }
      std::string_view name = input.substr(i + 2, close - i - 2);
      std::optional<std::string> value = lookup(name);
      out += value ? *value : std::string(input.substr(i, close - i + 1));
      i = close + 1;
    } else {
      out += '$';
      ++i;
    }
  }
  return out;
}

Container resolveContainer(const Pod& pod, const std::string& uid, const Container& c,
                           const NodeFacts& node) {
  Container out = c;
  std::map<std::string, std::string, std::less<>> env;
  auto lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  for (EnvVar& e : out.env) {
    if (e.valueFrom && e.valueFrom->fieldRef) {
      e.value = fieldValue(pod, uid, e.valueFrom->fieldRef->fieldPath, node);
    } else if (e.valueFrom && e.valueFrom->resourceFieldRef) {
      e.value = resourceValue(pod, c, *e.valueFrom->resourceFieldRef, node);
    } else {
      e.value = expandVariables(e.value, lookup);
    }
    e.valueFrom.reset();
    env[e.name] = e.value;
  }
  for (auto& s : out.command) s = expandVariables(s, lookup);
  for (auto& s : out.args) s = expandVariables(s, lookup);
  return out;
}

}  // namespace podkeeper::manifests
