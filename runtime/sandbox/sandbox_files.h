#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/bundle/state_dir.h"
#include "runtime/container_runtime.h"

// The files and volumes a sandbox keeps for its containers: hostname, hosts and
// resolv.conf (bind-mounted over /etc), and emptyDir volumes.
namespace podkeeper::runtime {

// The node's files a pod may inherit; tests point them elsewhere.
struct NodeFiles {
  std::string resolvConf = "/etc/resolv.conf";
  std::string hosts = "/etc/hosts";
};

// The kubelet's rule for pod names longer than a hostname may be: cut to 63 characters,
// then drop trailing '-' and '.'.
std::string truncateHostname(std::string name);

// The pod's own hostname: spec.hostname or its name, truncated (truncateHostname).
std::string podShortHostname(const SandboxSpec& spec);

// The kubelet's managed /etc/hosts (managedHostsFileContent): its header, the localhost
// lines, one line per pod IP naming <hostname>.<domain> and <hostname> (or only <hostname>
// without a domain), then the host aliases. A pod with no IP (yet) gets 127.0.1.1 for its
// names, so that it still resolves itself.
std::string podHostsFile(const std::vector<std::string>& podIPs, const std::string& hostname,
                         const std::string& domain, const std::vector<HostAlias>& aliases);

// A hostNetwork pod's /etc/hosts (the kubelet's nodeHostsFileContent): its header, the node's
// file, the host aliases.
std::string hostNetworkHostsFile(const std::string& nodeHosts,
                                 const std::vector<HostAlias>& aliases);

// hostname, hosts and resolv.conf in podDir; a hostNetwork pod gets the node's hostname and
// hosts file.
Result<void> writePodFiles(const std::string& podDir, const SandboxSpec& spec,
                           const std::string& hostname, const NodeFiles& node);

// The size of a medium Memory emptyDir's tmpfs, as the kubelet sizes it: the smaller of its
// sizeLimit and the pod's memory limit; nullopt (the kernel's default) when neither is set.
std::optional<int64_t> memoryEmptyDirSize(std::optional<int64_t> sizeLimit,
                                          std::optional<int64_t> podMemoryLimit);

// volumes/<name> for each emptyDir (under the root dir: on disk), world-writable like the
// kubelet's; medium Memory is a tmpfs mounted there (memoryEmptyDirSize). With an fsGroup
// everything in it is owned by that group (fs_group.h): each time for fsGroupChangePolicy Always,
// only while the root does not match for OnRootMismatch.
Result<void> ensureEmptyDirs(const StateLayout& layout, const SandboxSpec& spec);

// volumes/<name> for each downwardAPI volume in the kubelet's atomic-writer layout; a volume
// whose files did not change is left alone. Returns whether anything was written.
Result<bool> writeDownwardAPIVolumes(const StateLayout& layout, const SandboxSpec& spec,
                                     int64_t nowNs);

// Unmounts the tmpfs emptyDirs; the directories go with the pod directory.
Result<void> unmountEmptyDirs(const StateLayout& layout, const std::string& uid);

}  // namespace podkeeper::runtime
