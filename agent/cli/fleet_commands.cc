#include "agent/cli/fleet_commands.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <ostream>
#include <sstream>

#include "agent/cli/get_pods.h"
#include "agent/cli/pod_table.h"
#include "fleet/fleet_layout.h"
#include "manifests/decode.h"
#include "manifests/pod_json.h"
#include "manifests/yaml_documents.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;

void addEtcdFlags(CLI::App& cmd, FleetOptions& o) {
  cmd.add_option("--etcd-endpoints", o.endpoints, "etcd members, comma-separated")
      ->capture_default_str();
  cmd.add_option("--etcd-prefix", o.prefix, "Key prefix of the fleet")->capture_default_str();
  cmd.add_option("--etcd-cacert", o.caFile, "CA bundle of the etcd members");
  cmd.add_option("--etcd-cert", o.certFile, "Client certificate (PEM)");
  cmd.add_option("--etcd-key", o.keyFile, "Key of --etcd-cert (PEM)");
}

void addPlacement(CLI::App& cmd, FleetOptions& o) {
  auto* node = cmd.add_option("--node", o.node, "The node whose pods these are");
  auto* all = cmd.add_flag("--all", o.all, "Every node");
  node->excludes(all);
  all->excludes(node);
}

Result<fleet::FleetView> readView(etcd::EtcdClient& c, const std::string& prefix) {
  auto r = c.rangePrefix(fleet::statusPrefix(prefix));
  if (!r) return fail(r.error());
  std::vector<std::pair<std::string, std::string>> kvs;
  for (auto& kv : r->kvs) kvs.emplace_back(std::move(kv.key), std::move(kv.value));
  return fleet::parseFleetView(prefix, kvs);
}

std::string age(int64_t since, int64_t now) {
  int64_t s = std::max<int64_t>(0, now - since);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  if (s < 172800) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "d";
}

std::string getPods(const fleet::FleetView& v, bool wide) {
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"};
  if (wide) head.push_back("IP");
  head.push_back("NODE");
  t.push_back(head);
  auto pods = v.pods;
  std::sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
    auto ka = a.second["metadata"].value("namespace", "") + "/" +
              a.second["metadata"].value("name", "") + "@" + a.first;
    auto kb = b.second["metadata"].value("namespace", "") + "/" +
              b.second["metadata"].value("name", "") + "@" + b.first;
    return ka < kb;
  });
  for (const auto& [node, pod] : pods) {
    PodRow r = podRow(pod, wallClockNs());
    std::vector<std::string> row = {r.namespace_, r.name, r.ready, r.status, r.restarts, r.age};
    if (wide) row.push_back(r.ip);
    row.push_back(node);
    t.push_back(row);
  }
  if (t.size() == 1) return "No resources found\n";
  return renderTable(t);
}

std::string getNodes(const fleet::FleetView& v) {
  std::vector<std::vector<std::string>> t;
  t.push_back({"NAME", "STATUS", "PODS", "AGE", "VERSION", "INTERNAL-IP"});
  int64_t now = wallClockNs() / 1'000'000'000;
  for (const auto& [name, rec] : v.nodes) {
    const auto status = rec.value("status", json::object());
    std::string ready = "Unknown", ip;
    for (const auto& c : status.value("conditions", json::array()))
      if (c.value("type", "") == "Ready")
        ready = c.value("status", "") == "True" ? "Ready" : "NotReady";
    for (const auto& a : status.value("addresses", json::array()))
      if (a.value("type", "") == "InternalIP") ip = a.value("address", "");
    const auto pk = rec.value("podkeeper", json::object());
    t.push_back({name, ready, std::to_string(pk.value("pods", 0)),
                 age(pk.value("startedAt", int64_t{0}), now),
                 status.value("nodeInfo", json::object()).value("kubeletVersion", ""), ip});
  }
  if (t.size() == 1) return "No resources found\n";
  return renderTable(t);
}

// Every pod of the file becomes one key: its own document's text, checked first.
int apply(etcd::EtcdClient& c, const FleetOptions& o, std::ostream& out, std::ostream& err) {
  std::ifstream in(o.file);
  if (!in) {
    err << "fleet apply: cannot read " << o.file << "\n";
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string contents = ss.str();
  auto decoded = manifests::decodeManifest(o.file, contents);
  if (!decoded.ok()) {
    for (const auto& d : decoded.diagnostics)
      if (d.severity == manifests::Diagnostic::Severity::Error) err << d.str() << "\n";
    err << "fleet apply: " << o.file << " not applied\n";
    return 1;
  }
  std::vector<std::string> texts;
  for (const auto& doc : manifests::detail::splitDocuments(contents))
    if (manifests::decodeManifest(o.file, doc.text).pods.size() == 1) texts.push_back(doc.text);
  bool oneDocPerPod = texts.size() == decoded.pods.size();
  for (size_t i = 0; i < decoded.pods.size(); ++i) {
    const auto& meta = decoded.pods[i].pod.metadata;
    // A List (several pods in one document) is stored as each pod's manifest JSON.
    std::string value;
    if (oneDocPerPod) {
      value = texts[i];
    } else {
      json pod = manifests::podToJson(decoded.pods[i].pod);
      pod["apiVersion"] = "v1";
      pod["kind"] = "Pod";
      value = pod.dump();
    }
    std::string key = fleet::desiredKey(o.prefix, o.all ? "" : o.node, meta.namespace_, meta.name);
    if (auto r = c.put(key, value); !r) {
      err << "fleet apply: " << r.error().message << "\n";
      return 1;
    }
    out << "pod/" << meta.name << " applied to " << (o.all ? "all nodes" : "node " + o.node) << " ("
        << key << ")\n";
  }
  return 0;
}

}  // namespace

FleetCommands::FleetCommands(CLI::App& app) {
  fleet_ = app.add_subcommand("fleet", "Pods and nodes of a fleet of podkeeper nodes, in etcd");
  fleet_->require_subcommand(1);
  auto* get = fleet_->add_subcommand("get", "List the fleet's pods or nodes");
  get->require_subcommand(1);
  getPods_ = get->add_subcommand("pods", "NAMESPACE NAME READY STATUS RESTARTS AGE NODE");
  getPods_->alias("pod")->alias("po");
  getPods_->add_option("-o,--output", o_.output, "wide")->check(CLI::IsMember({"wide"}));
  addEtcdFlags(*getPods_, o_);
  getNodes_ = get->add_subcommand("nodes", "NAME STATUS PODS AGE VERSION INTERNAL-IP");
  getNodes_->alias("node")->alias("no");
  addEtcdFlags(*getNodes_, o_);
  apply_ = fleet_->add_subcommand("apply", "Put the pods of a manifest file on a node or all");
  apply_->add_option("-f,--filename", o_.file, "Manifest file")->required();
  addPlacement(*apply_, o_);
  addEtcdFlags(*apply_, o_);
  delete_ = fleet_->add_subcommand("delete", "Remove a pod from a node or from all nodes");
  delete_->add_option("kind", o_.kind, "pod")
      ->required()
      ->check(CLI::IsMember({"pod", "pods", "po"}));
  delete_->add_option("name", o_.name, "Pod name")->required();
  delete_->add_option("-n,--namespace", o_.namespace_, "Namespace")->capture_default_str();
  addPlacement(*delete_, o_);
  addEtcdFlags(*delete_, o_);
  targets_ = fleet_->add_subcommand("targets", "Prometheus file_sd JSON of every node's /metrics");
  addEtcdFlags(*targets_, o_);
}

bool FleetCommands::parsed() const { return fleet_->parsed(); }

int FleetCommands::run(std::ostream& out, std::ostream& err) const {
  auto eps = etcd::parseEndpoints(o_.endpoints);
  if (!eps) {
    err << "podkeeper fleet: " << eps.error().message << "\n";
    return 2;
  }
  etcd::EtcdConfig c{*eps, o_.caFile, o_.certFile, o_.keyFile, std::chrono::seconds(5)};
  if (auto r = etcd::checkEtcdConfig(c); !r) {
    err << "podkeeper fleet: " << r.error().message << "\n";
    return 2;
  }
  auto client = etcd::makeGrpcEtcdClient(c);
  return run(*client, out, err);
}

int FleetCommands::run(etcd::EtcdClient& client, std::ostream& out, std::ostream& err) const {
  if ((apply_->parsed() || delete_->parsed()) && !o_.all && o_.node.empty()) {
    err << "podkeeper fleet: say where: --node NAME or --all\n";
    return 2;
  }
  if (apply_->parsed()) return apply(client, o_, out, err);
  if (delete_->parsed()) {
    std::string key = fleet::desiredKey(o_.prefix, o_.all ? "" : o_.node, o_.namespace_, o_.name);
    auto r = client.remove(key);
    if (!r) {
      err << "podkeeper fleet delete: " << r.error().message << "\n";
      return 1;
    }
    if (*r == 0) {
      err << "Error from server (NotFound): pods \"" << o_.name << "\" not found at " << key
          << "\n";
      return 1;
    }
    out << "pod \"" << o_.name << "\" deleted (" << key << ")\n";
    return 0;
  }
  auto view = readView(client, o_.prefix);
  if (!view) {
    err << "podkeeper fleet: " << view.error().message << "\n";
    return 1;
  }
  if (getPods_->parsed()) out << getPods(*view, o_.output == "wide");
  if (getNodes_->parsed()) out << getNodes(*view);
  if (targets_->parsed()) out << fleet::fileSdTargets(*view).dump(2) << "\n";
  return 0;
}

}  // namespace podkeeper::cli
