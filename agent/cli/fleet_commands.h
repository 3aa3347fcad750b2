#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <string>

#include "etcd/etcd_client.h"

// `podkeeper fleet ...`: the fleet through etcd, from any machine that reaches it.
//   fleet get pods [-o wide]     every node's pods (NODE column), from <prefix>/status/
//   fleet get nodes              the node records that are alive (their leases hold)
//   fleet apply -f FILE --node N | --all    one key per pod of FILE under nodes/N or all
//   fleet delete NAME [-n NS] --node N | --all
//   fleet targets                Prometheus file_sd JSON of every node's /metrics
// each with --etcd-endpoints, --etcd-prefix, --etcd-cacert/--etcd-cert/--etcd-key.
namespace podkeeper::cli {

struct FleetOptions {
  std::string endpoints = "http://127.0.0.1:2379";
  std::string prefix = "/podkeeper";
  std::string caFile, certFile, keyFile;
  std::string output;  // get pods: "" | wide
  std::string file;    // apply -f
  std::string node;    // apply/delete --node
  bool all = false;    // apply/delete --all
  std::string kind;    // delete KIND (pod)
  std::string name;    // delete NAME
  std::string namespace_ = "default";
};

class FleetCommands {
 public:
  explicit FleetCommands(CLI::App& app);
  bool parsed() const;
  int run(std::ostream& out, std::ostream& err) const;
  // The same, against a client the caller made (tests use a fake or a real etcd).
  int run(etcd::EtcdClient& client, std::ostream& out, std::ostream& err) const;

 private:
  CLI::App* fleet_ = nullptr;
  CLI::App* getPods_ = nullptr;
  CLI::App* getNodes_ = nullptr;
  CLI::App* apply_ = nullptr;
  CLI::App* delete_ = nullptr;
  CLI::App* targets_ = nullptr;
  FleetOptions o_;
};

}  // namespace podkeeper::cli
