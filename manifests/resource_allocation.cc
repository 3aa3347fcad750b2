#include "manifests/resource_allocation.h"

#include <nlohmann/json.hpp>

#include "common/json_text.h"

namespace podkeeper::manifests {
namespace {

using nlohmann::json;

json listToJson(const ResourceList& l) {
  json j = json::object();
  if (l.cpuMilli) j["cpu"] = *l.cpuMilli;
  if (l.memoryBytes) j["memory"] = *l.memoryBytes;
  if (l.ephemeralStorageBytes) j["ephemeral-storage"] = *l.ephemeralStorageBytes;
  for (const auto& [name, n] : l.extended) j["extended"][name] = n;
  return j;
}

json requirementsToJson(const ResourceRequirements& r) {
  return {{"requests", listToJson(r.requests)}, {"limits", listToJson(r.limits)}};
}

std::optional<int64_t> number(const json& j, const char* key) {
  if (!j.contains(key)) return std::nullopt;
  if (!j[key].is_number_integer()) throw json::type_error::create(302, "not an integer", &j);
  return j[key].get<int64_t>();
}

ResourceList listFromJson(const json& j) {
  ResourceList l;
  l.cpuMilli = number(j, "cpu");
  l.memoryBytes = number(j, "memory");
  l.ephemeralStorageBytes = number(j, "ephemeral-storage");
  if (j.contains("extended"))
    for (const auto& [name, n] : j.at("extended").items()) l.extended[name] = n.get<int64_t>();
  return l;
}

ResourceRequirements requirementsFromJson(const json& j) {
  return {listFromJson(j.at("requests")), listFromJson(j.at("limits"))};
}

}  // namespace

ResourceAllocation allocationOf(const PodSpec& spec) {
  ResourceAllocation a;
  for (const auto* list : {&spec.initContainers, &spec.containers})
    for (const auto& c : *list) a.containers[c.name] = c.resources;
  a.pod = spec.resources;
  return a;
}

std::string encodeAllocation(const ResourceAllocation& a) {
  json j = {{"v", 1}, {"containers", json::object()}};
  for (const auto& [name, r] : a.containers) j["containers"][name] = requirementsToJson(r);
  if (a.pod) j["pod"] = requirementsToJson(*a.pod);
  return dumpJson(j);
}

std::optional<ResourceAllocation> decodeAllocation(std::string_view text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    if (j.value("v", 0) != 1) return std::nullopt;
    ResourceAllocation a;
    for (const auto& [name, r] : j.at("containers").items())
      a.containers[name] = requirementsFromJson(r);
    if (j.contains("pod")) a.pod = requirementsFromJson(j.at("pod"));
    return a;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

PodSpec withAllocation(PodSpec spec, const ResourceAllocation& a) {
  for (auto* list : {&spec.initContainers, &spec.containers})
    for (auto& c : *list)
      if (auto it = a.containers.find(c.name); it != a.containers.end()) c.resources = it->second;
  spec.resources = a.pod;
  return spec;
}

}  // namespace podkeeper::manifests
