#include "runtime/sandbox/sandbox_files.h"

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/sandbox/atomic_writer.h"
#include "runtime/sandbox/fs_group.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sys/atomic_file.h"

namespace podkeeper::runtime {

std::string truncateHostname(std::string name) {
  if (name.size() <= 63) return name;
  name.resize(63);
  while (!name.empty() && (name.back() == '-' || name.back() == '.')) name.pop_back();
  return name;
}

std::string podShortHostname(const SandboxSpec& spec) {
  return truncateHostname(spec.hostname.empty() ? spec.name : spec.hostname);
}

namespace {

std::string hostAliasesSection(const std::vector<HostAlias>& aliases) {
  if (aliases.empty()) return "";
  std::string out = "\n# Entries added by HostAliases.\n";
  for (const auto& a : aliases) {
    out += a.ip;
    for (const auto& h : a.hostnames) out += "\t" + h;
    out += "\n";
  }
  return out;
}

}  // namespace

std::string podHostsFile(const std::vector<std::string>& podIPs, const std::string& hostname,
                         const std::string& domain, const std::vector<HostAlias>& aliases) {
  std::string out =
      "# Kubernetes-managed hosts file.\n"
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "fe00::0\tip6-mcastprefix\n"
      "fe00::1\tip6-allnodes\n"
      "fe00::2\tip6-allrouters\n";
  const std::string names = domain.empty() ? hostname : hostname + "." + domain + "\t" + hostname;
  if (podIPs.empty()) out += "127.0.1.1\t" + names + "\n";
  for (const auto& ip : podIPs) out += ip + "\t" + names + "\n";
  return out + hostAliasesSection(aliases);
}

std::string hostNetworkHostsFile(const std::string& nodeHosts,
                                 const std::vector<HostAlias>& aliases) {
  return "# Kubernetes-managed hosts file (host network).\n" + nodeHosts +
         hostAliasesSection(aliases);
}

Result<void> writePodFiles(const std::string& podDir, const SandboxSpec& spec,
                           const std::string& hostname, const NodeFiles& node) {
  // Bind-mounted into the containers: readable by whatever user they run as. Replaced (a
  // container may be reading them) but not synced: written at every start, in the state
  // directory, whose pods do not outlive a reboot (see replaceFile).
  if (auto r = replaceFile(podDir + "/hostname", hostname + "\n", 0644); !r) return r;
  std::string hosts;
  if (spec.hostNetwork) {
    auto nodeHosts = readWholeFile(node.hosts);
    hosts = hostNetworkHostsFile(nodeHosts ? *nodeHosts : std::string(), spec.hostAliases);
  } else {
    hosts = podHostsFile(spec.podIPs, podShortHostname(spec), spec.hostDomain, spec.hostAliases);
  }
  if (auto r = replaceFile(podDir + "/hosts", hosts, 0644); !r) return r;
  if (spec.resolvConf) return replaceFile(podDir + "/resolv.conf", *spec.resolvConf, 0644);
  // Like the kubelet's dnsPolicy "Default": the pod resolves as the node does.
  auto resolv = readWholeFile(node.resolvConf);
  return replaceFile(podDir + "/resolv.conf", resolv ? *resolv : std::string(), 0644);
}

std::optional<int64_t> memoryEmptyDirSize(std::optional<int64_t> sizeLimit,
                                          std::optional<int64_t> podMemoryLimit) {
  const int64_t volume = sizeLimit.value_or(0), pod = podMemoryLimit.value_or(0);
  if (volume > 0 && pod > 0) return std::min(volume, pod);
  if (volume > 0) return volume;
  if (pod > 0) return pod;
  return std::nullopt;
}

Result<void> ensureEmptyDirs(const StateLayout& layout, const SandboxSpec& spec) {
  // The volumes are 0777 for the containers (as the kubelet makes them) and reached through
  // bind mounts; their parent is 0700, so no other host user can reach them.
  if (auto r = makePrivateDir(layout.volumesDir(spec.uid)); !r) return r;
  for (const auto& v : spec.emptyDirs) {
    if (auto r = checkPathComponent("emptyDir volume", v.name); !r) return r;
    const std::string dir = layout.emptyDir(spec.uid, v.name);
    if (::mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST) return failSys(errno, "mkdir " + dir);
    // As the kubelet: 0777 when the permission bits differ, keeping setgid (fsGroup).
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0) return failSys(errno, "stat " + dir);
    if (!isMountRoot(dir) && (st.st_mode & 0777) != 0777 &&
        ::chmod(dir.c_str(), (st.st_mode & 07000) | 0777) != 0) {
      return failSys(errno, "chmod " + dir);
    }
    if (v.memory && !isMountRoot(dir)) {
      std::string opts = "mode=0777";
      const auto size = memoryEmptyDirSize(v.sizeLimitBytes, spec.resources.memoryLimitBytes);
      if (size) opts += ",size=" + std::to_string(*size);
      if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) != 0) {
        return failSys(errno, "mount tmpfs for emptyDir \"" + v.name + "\" on " + dir);
      }
    }
    if (spec.fsGroup) {
      const auto policy =
          spec.fsGroupOnRootMismatch ? FsGroupChange::OnRootMismatch : FsGroupChange::Always;
      if (auto r = applyFsGroup(dir, *spec.fsGroup, policy, false); !r) return fail(r.error());
    }
  }
  return {};
}

Result<bool> writeDownwardAPIVolumes(const StateLayout& layout, const SandboxSpec& spec,
                                     int64_t nowNs) {
  bool wrote = false;
  for (const auto& v : spec.downwardAPIs) {
    if (auto r = checkPathComponent("downwardAPI volume", v.name); !r) return fail(r.error());
    auto r = writeAtomically(layout.emptyDir(spec.uid, v.name), v.files, spec.fsGroup, nowNs);
    if (!r) return fail(r.error().context("downwardAPI volume \"" + v.name + "\""));
    wrote = wrote || *r;
  }
  return wrote;
}

Result<void> unmountEmptyDirs(const StateLayout& layout, const std::string& uid) {
  auto names = listSubdirs(layout.volumesDir(uid));
  if (!names) return fail(names.error());
  for (const auto& name : *names) {
    if (auto r = unmountAll(layout.emptyDir(uid, name)); !r) return r;
  }
  return {};
}

}  // namespace podkeeper::runtime
