#include "agent/cli/get_pods.h"

#include <time.h>

#include <algorithm>
#include <ostream>

#include "agent/cli/pod_table.h"
#include "agent/cli/yaml_output.h"
#include "common/json_text.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;

bool selected(const json& pod, const GetPodsOptions& o) {
  const json meta = pod.value("metadata", json::object());
  if (!o.allNamespaces && meta.value("namespace", "") != o.namespace_) return false;
  if (o.names.empty()) return true;
  return std::find(o.names.begin(), o.names.end(), meta.value("name", "")) != o.names.end();
}

Result<void> checkNamesFound(const json& items, const GetPodsOptions& o) {
  for (const auto& name : o.names) {
    bool found = std::any_of(items.begin(), items.end(), [&](const json& p) {
      return p["metadata"].value("name", "") == name;
    });
    if (!found) return failMsg("Error from server (NotFound): pods \"" + name + "\" not found");
  }
  return {};
}

std::string serialize(const json& value, const std::string& output) {
  if (output == "json") return dumpJson(value, 4) + "\n";
  return toYaml(value);
}

}  // namespace

int64_t wallClockNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

Result<std::string> formatPods(const json& podList, const GetPodsOptions& o, int64_t nowNs) {
  if (!o.output.empty() && o.output != "wide" && o.output != "json" && o.output != "yaml")
    return failMsg("unable to match a printer suitable for the output format \"" + o.output +
                   "\", allowed formats are: json,wide,yaml");
  json items = json::array();
  for (const auto& pod : podList.value("items", json::array()))
    if (selected(pod, o)) items.push_back(pod);
  if (auto r = checkNamesFound(items, o); !r) return fail(r.error());
  if (o.output == "json" || o.output == "yaml") {
    if (o.names.size() == 1) return serialize(items.at(0), o.output);
    json list = podList;
    list["items"] = std::move(items);
    return serialize(list, o.output);
  }
  if (items.empty())
    return o.allNamespaces ? std::string("No resources found\n")
                           : "No resources found in " + o.namespace_ + " namespace.\n";
  std::vector<PodRow> rows;
  for (const auto& pod : items) rows.push_back(podRow(pod, nowNs));
  return renderPodTable(rows, {o.output == "wide", o.allNamespaces});
}

int runGetPods(const GetPodsOptions& options, std::ostream& out, std::ostream& err) {
  auto list = getJson(options.endpoint, "/pods");
  if (!list) {
    err << list.error().message << "\n";
    return 1;
  }
  auto text = formatPods(*list, options, wallClockNs());
  if (!text) {
    err << text.error().message << "\n";
    return 1;
  }
  // kubectl prints "No resources found" on stderr, so scripts reading stdout see nothing.
  (text->starts_with("No resources found") ? err : out) << *text;
  return 0;
}

}  // namespace podkeeper::cli
