#pragma once

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "image/registry/registry_config.h"
#include "manifests/admission.h"
#include "reconciler/container_gc.h"
#include "reconciler/node_pressure.h"

namespace podkeeper::agent {

// Everything `podkeeper run` is told on its command line. Defaults are for a real node;
// tests and benchmarks override every path so they never touch a running agent.
struct AgentConfig {
  std::string manifestDir = "/etc/podkeeper/manifests";
  std::string stateDir = "/run/podkeeper";
  std::string imageDir = "/var/lib/podkeeper/images";
  std::string rootDir = "/var/lib/podkeeper";  // writable layers, emptyDirs (on disk, 0700)
  std::string logDir = "/var/log/pods";
  std::string cgroupRoot = "podkeeper";
  // The kubelet's ports: --address for both, --port the HTTPS API (0 = off),
  // --read-only-port plain HTTP with metrics and health only (0 = off). --listen HOST:PORT,
  // when given, is the plain listener instead of address:read-only-port.
  std::string address = "0.0.0.0";
  int port = 10250;
  int readOnlyPort = 10255;
  std::string listen;
  std::string tlsCertFile;  // "" (with the key): self-signed in <root-dir>/pki
  std::string tlsPrivateKeyFile;
  std::string clientCaFile;             // "" = no client certificates
  std::string tokenAuthFile;            // "" = no bearer tokens
  std::string authorizationPolicyFile;  // "" = every authenticated user may do everything
  bool anonymousMetrics = false;        // /metrics* on the HTTPS port without credentials
  std::string socketPath;               // "" = <stateDir>/podkeeper.sock
  std::string cgroupMount = "/sys/fs/cgroup";
  std::string shimPath;  // "" = podkeeper-shim next to the podkeeper binary
  std::chrono::milliseconds resyncInterval{10'000};
  std::chrono::milliseconds relistInterval{20'000};
  std::string logLevel = "info";
  std::string seccompProfileRoot = "/var/lib/podkeeper/seccomp";  // Localhost profiles
  bool seccompDefault = false;               // RuntimeDefault when pod and container say nothing
  image::registry::RegistryConfig registry;  // auth.json, certs.d, insecure registries
  manifests::AdmissionPolicy admission;      // --allowed-unsafe-sysctls
  // The kubelet's containerLogMaxSize (a quantity) and containerLogMaxFiles: a container's log
  // is rotated past the size, keeping that many files.
  std::string containerLogMaxSize = "10Mi";
  int containerLogMaxFiles = 5;
  // pids.max of each pod cgroup; -1 = unlimited (the kubelet's podPidsLimit, whose default is
  // -1). 4096, as OpenShift sets it, keeps a fork bomb inside its pod and stays far above
  // what ordinary pods use (each thread counts).
  int64_t podPidsLimit = 4096;
  // The kubelet's imageGCHighThresholdPercent and imageGCLowThresholdPercent: above high %
  // of the image filesystem used, unused images are removed (LRU) down to low %.
  int imageGcHighThresholdPercent = 85;
  int imageGcLowThresholdPercent = 80;
  // CNI, as the kubelet/containerd take it: the first .conflist/.conf/.json of the conf dir;
  // plugins from the bin dirs (the Debian package's path, then the upstream one). No
  // configuration at all: pods keep a net namespace with only lo.
  std::string cniConfDir = "/etc/cni/net.d";
  std::vector<std::string> cniBinDirs = {"/usr/lib/cni", "/opt/cni/bin"};
  // Host ids for hostUsers: false pods, FIRST:LENGTH as in /etc/subuid (the kubelet's rules:
  // multiples of 65536; 65536 ids per pod). The default: every id above the host's first 65536.
  std::string userNamespaceRange = "65536:4294836224";
  // How long a pod's CNI ADD, CHECK or DEL may run before its plugin is killed and the pod
  // gets a NetworkNotReady event: the kubelet's RunPodSandbox bound (2 x 2m).
  int cniPluginTimeoutSeconds = 240;
  // The kubelet's behaviour when there is no CNI configuration: pods (not hostNetwork) wait
  // with NetworkPluginNotReady instead of running with only lo.
  bool cniRequireConfig = false;
  // Pods whose runtime calls (sandbox, container starts, kills, removals) run at once, off the
  // loop; 0 = from the core count (maxParallelStartsFor).
  int maxParallelStarts = 0;
  // Node-pressure eviction, the kubelet's settings with its value syntax (signal -> value;
  // durations as "1m30s"), checked by validateConfig (reconciler::parseEvictionConfig). The
  // --eviction-* flags replace a whole map. evictionMonitoringInterval is podkeeper's.
  std::map<std::string, std::string> evictionHard = reconciler::EvictionSettings{}.hard;
  std::map<std::string, std::string> evictionSoft;
  std::map<std::string, std::string> evictionSoftGracePeriod;
  std::map<std::string, std::string> evictionMinimumReclaim;
  int64_t evictionMaxPodGracePeriod = 0;
  std::string evictionPressureTransitionPeriod = "5m";
  std::string evictionMonitoringInterval = "10s";

  // Image pulls, the kubelet's serializeImagePulls (one at a time) and maxParallelImagePulls
  // (with serializeImagePulls false; 0 = not set: kImageUnboundedPulls at once).
  bool serializeImagePulls = true;
  int maxParallelImagePulls = 0;
  // Dead containers, the kubelet's flags (its config file has no fields for them): earlier
  // instances (their logs) kept per container and on the node (-1 = no limit), none collected
  // younger than the TTL (a Go duration).
  int maximumDeadContainersPerContainer = 1;
  int maximumDeadContainers = -1;
  std::string minimumContainerTtlDuration = "0s";

  // fleet (issue 18): manifest sources besides the directory.
  // --manifest-url: the kubelet's staticPodURL, polled every --relist seconds ("" = off);
  // --manifest-url-header Key:Value, repeatable, sent with every request.
  std::string manifestUrl;
  std::vector<std::pair<std::string, std::string>> manifestUrlHeaders;
  // --etcd-endpoints (comma-separated http(s)://host:port; empty = no etcd source): pods
  // under <etcdPrefix>/nodes/<nodeName>/pods/ and <etcdPrefix>/all/pods/.
  std::vector<std::string> etcdEndpoints;
  std::string etcdPrefix = "/podkeeper";
  std::string etcdCaFile;    // --etcd-cacert
  std::string etcdCertFile;  // --etcd-cert
  std::string etcdKeyFile;   // --etcd-key
  std::string nodeName;      // --node-name; "" = the host name
};

// The eviction members as the reconciler takes them.
reconciler::EvictionSettings evictionSettings(const AgentConfig& config);

// --max-parallel-starts as given, or for 0 four per core (a start mostly waits on the kernel
// and on its shim), at least 4 and at most 32.
size_t maxParallelStartsFor(int flag, uint64_t cores);

// The dead-container GC members as the reconciler's planner takes them (validated).
reconciler::ContainerGcPolicy containerGcPolicy(const AgentConfig& config);

// Pulls at once without a bound: the pull pool's threads when serializeImagePulls is false
// and maxParallelImagePulls not set (the kubelet has no bound there).
inline constexpr size_t kImageUnboundedPulls = 16;
// How many image pulls run at once: 1 when serialized, else maxParallelImagePulls (or, not
// set, kImageUnboundedPulls).
size_t imagePullsAtOnce(const AgentConfig& config);

// The image store's root inside --image-dir (NAME/TAG directory images sit beside it).
std::string imageStoreRoot(const AgentConfig& config);

// Checks values CLI11 cannot: absolute paths, a cgroup root that is a relative path of
// plain names, a listen address of the form HOST:PORT.
Result<void> validateConfig(const AgentConfig& config);

// HOST:PORT of the plain listener, "" when it is off.
std::string readOnlyListen(const AgentConfig& config);
// HOST:PORT of the HTTPS listener, "" when it is off.
std::string secureListen(const AgentConfig& config);

// --container-log-max-size in bytes (validateConfig has checked it).
uint64_t containerLogMaxBytes(const AgentConfig& config);

}  // namespace podkeeper::agent
