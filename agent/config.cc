#include "agent/config.h"

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <charconv>

#include "etcd/etcd_client.h"
#include "manifests/quantity.h"
#include "runtime/sandbox/user_namespace_ids.h"
#include "sources/url_source.h"

namespace podkeeper::agent {
namespace {

Result<void> absolute(const char* flag, const std::string& path) {
  if (path.empty() || path[0] != '/')
    return failMsg(std::string(flag) + ": \"" + path + "\" is not an absolute path");
  return {};
}

Result<void> validCgroupRoot(const std::string& root) {
  auto bad = [&](const std::string& why) {
    return failMsg("--cgroup-root: \"" + root + "\" " + why);
  };
  if (root.empty() || root.front() == '/' || root.back() == '/')
    return bad("must be a relative cgroup path such as podkeeper or system.slice/podkeeper");
  size_t start = 0;
  while (start <= root.size()) {
    size_t end = root.find('/', start);
    if (end == std::string::npos) end = root.size();
    std::string part = root.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return bad("has an empty, . or .. part");
    for (char c : part)
      if (!(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.'))
        return bad("may only hold letters, digits, '-', '_', '.' and '/'");
    start = end + 1;
  }
  return {};
}

std::string hostPort(const std::string& address, int port) {
  const bool v6 = address.find(':') != std::string::npos;
  return (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

Result<void> validPorts(const AgentConfig& c) {
  for (auto [flag, port] : {std::pair{"--port", c.port}, {"--read-only-port", c.readOnlyPort}})
    if (port < 0 || port > 65535)
      return failMsg(std::string(flag) + ": " + std::to_string(port) +
                     " is not a port from 0 (off) to 65535");
  boost::system::error_code ec;
  boost::asio::ip::make_address(c.address, ec);
  if (ec) return failMsg("--address: \"" + c.address + "\" is not an IP address");
  if (c.tlsCertFile.empty() != c.tlsPrivateKeyFile.empty())
    return failMsg("--tls-cert-file and --tls-private-key-file go together");
  for (auto [flag, path] : {std::pair{"--tls-cert-file", &c.tlsCertFile},
                            {"--tls-private-key-file", &c.tlsPrivateKeyFile},
                            {"--client-ca-file", &c.clientCaFile},
                            {"--token-auth-file", &c.tokenAuthFile},
                            {"--authorization-policy-file", &c.authorizationPolicyFile}})
    if (!path->empty())
      if (auto r = absolute(flag, *path); !r) return r;
  return {};
}

Result<void> validListen(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return failMsg("--listen: \"" + listen + "\" is not HOST:PORT (e.g. 0.0.0.0:10255)");
  std::string port = listen.substr(colon + 1);
  int value = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value < 0 || value > 65535)
    return failMsg("--listen: port \"" + port + "\" is not a number from 0 to 65535");
  return {};
}

}  // namespace

Result<void> validateConfig(const AgentConfig& c) {
  for (auto [flag, path] : {std::pair{"--manifest-dir", &c.manifestDir},
                            {"--state-dir", &c.stateDir},
                            {"--image-dir", &c.imageDir},
                            {"--root-dir", &c.rootDir},
                            {"--log-dir", &c.logDir},
                            {"--cgroup-mount", &c.cgroupMount},
                            {"--seccomp-profile-root", &c.seccompProfileRoot},
                            {"--cni-conf-dir", &c.cniConfDir}})
    if (auto r = absolute(flag, *path); !r) return r;
  if (!c.socketPath.empty())
    if (auto r = absolute("--socket", c.socketPath); !r) return r;
  if (!c.shimPath.empty())
    if (auto r = absolute("--shim", c.shimPath); !r) return r;
  if (c.cniBinDirs.empty()) return failMsg("--cni-bin-dir: at least one directory");
  for (const auto& dir : c.cniBinDirs)
    if (auto r = absolute("--cni-bin-dir", dir); !r) return r;
  if (c.cniPluginTimeoutSeconds <= 0)
    return failMsg("--cni-plugin-timeout: " + std::to_string(c.cniPluginTimeoutSeconds) +
                   " is not a positive number of seconds");
  if (auto r = validCgroupRoot(c.cgroupRoot); !r) return r;
  if (!c.manifestUrl.empty() && !c.manifestUrl.starts_with("http://") &&
      !c.manifestUrl.starts_with("https://"))
    return failMsg("--manifest-url \"" + c.manifestUrl + "\": not an http:// or https:// URL");
  for (const auto& [name, value] : c.manifestUrlHeaders)
    if (auto h = sources::parseUrlHeader(name + ":" + value); !h) return fail(h.error());
  if (!c.etcdEndpoints.empty()) {
    // The flag parsed them already; a configuration file's list is checked here.
    std::string joined;
    for (const auto& e : c.etcdEndpoints) joined += (joined.empty() ? "" : ",") + e;
    if (auto e = etcd::parseEndpoints(joined); !e) return fail(e.error());
    if (!c.etcdPrefix.starts_with("/") || c.etcdPrefix.ends_with("/"))
      return failMsg("--etcd-prefix \"" + c.etcdPrefix +
                     "\": must start with '/' and not end with one");
    if (auto r = etcd::checkEtcdConfig(
            {c.etcdEndpoints, c.etcdCaFile, c.etcdCertFile, c.etcdKeyFile, {}});
        !r)
      return r;
  }
  if (c.nodeName.find('/') != std::string::npos)
    return failMsg("--node-name \"" + c.nodeName + "\": must not contain '/'");
  if (!c.listen.empty())
    if (auto r = validListen(c.listen); !r) return r;
  if (auto r = validPorts(c); !r) return r;
  if (c.podPidsLimit == 0 || c.podPidsLimit < -1)
    return failMsg("--pod-pids-limit: " + std::to_string(c.podPidsLimit) +
                   " is neither -1 (unlimited) nor a positive number");
  if (c.imageGcHighThresholdPercent < 0 || c.imageGcHighThresholdPercent > 100 ||
      c.imageGcLowThresholdPercent < 0 ||
      c.imageGcLowThresholdPercent > c.imageGcHighThresholdPercent)
    return failMsg(
        "--image-gc-low-threshold must be from 0 to --image-gc-high-threshold, and "
        "that at most 100 (they are " +
        std::to_string(c.imageGcLowThresholdPercent) + " and " +
        std::to_string(c.imageGcHighThresholdPercent) + ")");
  if (const auto& l = c.logLevel;
      l != "trace" && l != "debug" && l != "info" && l != "warn" && l != "error")
    return failMsg("--log-level: \"" + l + "\" is not trace, debug, info, warn or error");
  if (c.resyncInterval.count() <= 0 || c.relistInterval.count() <= 0)
    return failMsg("--resync and --relist must be positive");
  if (c.maxParallelStarts < 0 || c.maxParallelStarts > 256)
    return failMsg("--max-parallel-starts: " + std::to_string(c.maxParallelStarts) +
                   " is not from 0 (from the core count) to 256");
  const auto size = manifests::parseBytes(c.containerLogMaxSize);
  if (!size.value || *size.value < 1024)
    return failMsg("--container-log-max-size: \"" + c.containerLogMaxSize +
                   "\" is not a size of at least 1Ki (e.g. 10Mi)");
  if (c.containerLogMaxFiles < 2)
    return failMsg("--container-log-max-files: " + std::to_string(c.containerLogMaxFiles) +
                   " must be at least 2, as for the kubelet");
  if (auto why = manifests::checkAllowedUnsafeSysctls(c.admission.allowedUnsafeSysctls);
      !why.empty())
    return failMsg(why);
  if (auto r = runtime::parseUserNamespaceRange(c.userNamespaceRange); !r)
    return failMsg("--userns-range: " + r.error().message);
  if (auto r = reconciler::parseEvictionConfig(evictionSettings(c)); !r) return fail(r.error());
  // The kubelet's checks, in its words (0 is podkeeper's "not set").
  if (c.maxParallelImagePulls < 0)
    return failMsg("invalid configuration: maxParallelImagePulls " +
                   std::to_string(c.maxParallelImagePulls) + " must be a positive number");
  if (c.serializeImagePulls && c.maxParallelImagePulls > 1)
    return failMsg(
        "invalid configuration: maxParallelImagePulls cannot be larger than 1 unless "
        "SerializeImagePulls (--serialize-image-pulls) is set to false");
  if (auto ttl = reconciler::parseGoDurationNs(c.minimumContainerTtlDuration); !ttl || *ttl < 0)
    return failMsg("--minimum-container-ttl-duration: \"" + c.minimumContainerTtlDuration +
                   "\" is not a duration (e.g. 0s, 1m30s)");
  return {};
}

reconciler::ContainerGcPolicy containerGcPolicy(const AgentConfig& c) {
  return {c.maximumDeadContainersPerContainer, c.maximumDeadContainers,
          reconciler::parseGoDurationNs(c.minimumContainerTtlDuration).value_or(0)};
}

size_t imagePullsAtOnce(const AgentConfig& c) {
  if (c.serializeImagePulls) return 1;
  return c.maxParallelImagePulls > 0 ? size_t(c.maxParallelImagePulls) : kImageUnboundedPulls;
}

reconciler::EvictionSettings evictionSettings(const AgentConfig& c) {
  reconciler::EvictionSettings s;
  s.hard = c.evictionHard;
  s.soft = c.evictionSoft;
  s.softGracePeriod = c.evictionSoftGracePeriod;
  s.minimumReclaim = c.evictionMinimumReclaim;
  s.maxPodGracePeriodSeconds = c.evictionMaxPodGracePeriod;
  s.pressureTransitionPeriod = c.evictionPressureTransitionPeriod;
  s.monitoringInterval = c.evictionMonitoringInterval;
  return s;
}

std::string readOnlyListen(const AgentConfig& c) {
  if (!c.listen.empty()) return c.listen;
  return c.readOnlyPort == 0 ? "" : hostPort(c.address, c.readOnlyPort);
}

std::string secureListen(const AgentConfig& c) {
  return c.port == 0 ? "" : hostPort(c.address, c.port);
}

uint64_t containerLogMaxBytes(const AgentConfig& c) {
  return static_cast<uint64_t>(manifests::parseBytes(c.containerLogMaxSize).value.value_or(0));
}

std::string imageStoreRoot(const AgentConfig& config) { return config.imageDir + "/.store"; }

size_t maxParallelStartsFor(int flag, uint64_t cores) {
  if (flag > 0) return size_t(flag);
  return size_t(std::clamp<uint64_t>(4 * cores, 4, 32));
}

}  // namespace podkeeper::agent
