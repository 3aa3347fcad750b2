#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "runtime/network/cni_config.h"

// The CNI 1.0 exec protocol, as libcni speaks it: the environment and stdin of one plugin run,
// and the result or error it prints. Pure: tested on strings.
namespace podkeeper::runtime::network {

// One interface of one sandbox on one network: what ADD, CHECK and DEL are called with.
struct Attachment {
  std::string containerId;  // the sandbox's id
  std::string netns;        // path of the pinned network namespace
  std::string ifName = "eth0";
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS, in order
  // runtimeConfig values by capability (portMappings, bandwidth, dns): a plugin gets those it
  // declares in its "capabilities".
  nlohmann::json capabilityArgs = nlohmann::json::object();
};

// CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS ("K=V;K=V"), CNI_PATH and PATH.
std::vector<std::string> pluginEnv(const std::string& command, const Attachment& a,
                                   const std::vector<std::string>& binDirs);

// What plugin `index` of the list reads on stdin (libcni's buildOneConfig): its own object
// with the list's name and cniVersion, prevResult when there is one and runtimeConfig for the
// capabilities it declares that have values.
nlohmann::json pluginInput(const NetworkConfigList& list, size_t index,
                           const nlohmann::json& prevResult, const nlohmann::json& capabilityArgs);

struct IpConfig {
  std::string address;  // CIDR, e.g. "10.88.0.5/16"
  std::string gateway;  // "" when none
  std::optional<int> interfaceIndex;
  // The address without its prefix length.
  std::string ip() const { return address.substr(0, address.find('/')); }
};

struct InterfaceInfo {
  std::string name, mac, sandbox;  // sandbox: the netns path, "" for host-side interfaces
};

struct CniResult {
  std::string cniVersion;
  std::vector<InterfaceInfo> interfaces;
  std::vector<IpConfig> ips;
  nlohmann::json dns = nlohmann::json::object();
  nlohmann::json raw;  // as printed: the next plugin's prevResult, the cached result
};

// A plugin's stdout after a successful ADD (0.3.0 to 1.0.0 results).
Result<CniResult> parseResult(const std::string& text);

struct CniError {
  int code = 0;
  std::string msg, details;
};

// The error JSON a failing plugin prints on stdout; nullopt when it printed none.
std::optional<CniError> parseError(const std::string& text);

// One line for the pod's events and status: which plugin, which command, the plugin's code,
// msg and details, else the last of its stderr, else its exit code.
std::string describeFailure(const std::string& type, const std::string& command, int exitCode,
                            bool timedOut, const std::string& out, const std::string& err);

// The pod IPs of a result: the addresses on interfaces in the sandbox (or with no interface
// index), IPv4 first as the kubelet orders them.
std::vector<std::string> podIPs(const CniResult& r);

}  // namespace podkeeper::runtime::network
