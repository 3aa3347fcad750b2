#include "runtime/sandbox.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "runtime/atomic_file.h"
#include "runtime/namespace_pins.h"
#include "runtime/proc.h"
#include "runtime/state_json.h"
#include "runtime/syscalls.h"
#include "runtime/wait.h"

namespace podkeeper::runtime {
namespace {

constexpr auto kStopTimeout = std::chrono::seconds(5);

Result<void> writePodFiles(const std::string& podDir, const std::string& hostname,
                           const std::string& hostResolvConf) {
  if (auto r = writeFileAtomic(podDir + "/hostname", hostname + "\n"); !r) return r;
  if (auto r = writeFileAtomic(podDir + "/hosts", podHostsFile(hostname)); !r) return r;
  // Like the kubelet's dnsPolicy "Default": the pod resolves as the node does.
  auto resolv = readWholeFile(hostResolvConf);
  return writeFileAtomic(podDir + "/resolv.conf", resolv ? *resolv : std::string());
}

// Pidfds of the shims recorded in the pod's containers, for waiting on them.
std::vector<UniqueFd> openShimPidfds(const StateLayout& layout, const std::string& uid) {
  std::vector<UniqueFd> fds;
  auto names = listSubdirs(layout.containersDir(uid));
  if (!names) return fds;
  for (const auto& name : *names) {
    const auto paths = layout.container(uid, name);
    auto text = readWholeFile(paths.state());
    if (!text) continue;
    auto rec = decodeContainerRecord(*text, paths.state());
    if (!rec) continue;
    if (auto fd = openCheckedPidfd(rec->shimPid, rec->shimStartTime)) fds.push_back(std::move(*fd));
  }
  return fds;
}

void stopShims(std::vector<UniqueFd>& shims, const std::string& uid) {
  for (auto& fd : shims) {
    if (waitReadable(fd.get(), kStopTimeout)) continue;
    spdlog::warn("sandbox {}: shim did not exit after its container; killing it", uid);
    sys::pidfdSendSignal(fd.get(), SIGKILL);
    waitReadable(fd.get(), kStopTimeout);
  }
}

Result<void> removePodCgroup(cgroup::CgroupManager& cgroups, const cgroup::CgroupPath& path) {
  if (!cgroups.exists(path)) return {};
  if (auto r = cgroups.killAll(path); !r) return r;
  // The kernel empties a cgroup shortly after SIGKILL; rmdir says EBUSY until then.
  Result<void> removed;
  waitFor(kStopTimeout, [&] {
    removed = cgroups.remove(path);
    return removed.has_value() || removed.error().code != EBUSY;
  });
  return removed;
}

}  // namespace

std::string podHostsFile(const std::string& hostname) {
  return "# Kubernetes-managed hosts file.\n"
         "127.0.0.1\tlocalhost\n"
         "::1\tlocalhost ip6-localhost ip6-loopback\n"
         "fe00::0\tip6-localnet\n"
         "fe00::0\tip6-mcastprefix\n"
         "fe00::1\tip6-allnodes\n"
         "fe00::2\tip6-allrouters\n"
         "127.0.1.1\t" +
         hostname + "\n";
}

Result<void> ensureSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                           const SandboxSpec& spec, const std::string& hostResolvConf) {
  if (auto r = checkPathComponent("sandbox uid", spec.uid); !r) return r;
  const std::string podDir = layout.podDir(spec.uid);
  const std::string hostname = spec.hostname.empty() ? spec.name : spec.hostname;
  if (auto r = makeDirs(layout.containersDir(spec.uid), 0711); !r) return r;

  const SandboxRecord record{spec.uid,
                             spec.name,
                             spec.namespace_,
                             hostname,
                             spec.specHash,
                             spec.cgroupParent,
                             spec.terminationGracePeriodSeconds};
  if (auto r = writeFileAtomic(layout.sandboxFile(spec.uid), encodeSandboxRecord(record)); !r) {
    return r;
  }
  if (auto r = writePodFiles(podDir, hostname, hostResolvConf); !r) return r;

  if (auto r = cgroups.create(spec.cgroupParent); !r) return fail(r.error().context("pod cgroup"));
  if (auto r = cgroups.apply(spec.cgroupParent, spec.resources); !r) {
    return fail(r.error().context("pod cgroup limits"));
  }

  const std::string nsDir = layout.nsDir(spec.uid);
  if (namespacePinsValid(nsDir)) return {};
  if (auto r = unpinNamespaces(nsDir); !r) return r;
  if (auto r = pinNewNamespaces(nsDir, hostname); !r)
    return fail(r.error().context("pin namespaces"));
  spdlog::info("sandbox {}/{} ({}): namespaces pinned, cgroup {}", spec.namespace_, spec.name,
               spec.uid, spec.cgroupParent);
  return {};
}

Result<void> removeSandbox(const StateLayout& layout, cgroup::CgroupManager& cgroups,
                           const std::string& uid) {
  if (auto r = checkPathComponent("sandbox uid", uid); !r) return r;
  const std::string podDir = layout.podDir(uid);
  if (!std::filesystem::exists(podDir)) return {};

  auto shims = openShimPidfds(layout, uid);
  auto text = readWholeFile(layout.sandboxFile(uid));
  auto record = text ? decodeSandboxRecord(*text, layout.sandboxFile(uid))
                     : Result<SandboxRecord>(fail(text.error()));
  if (record) {
    if (auto r = removePodCgroup(cgroups, record->cgroupParent); !r) {
      return fail(r.error().context("sandbox " + uid + ": remove cgroup " + record->cgroupParent));
    }
  } else {
    spdlog::warn("sandbox {}: no readable sandbox.json ({}); its cgroup is left alone", uid,
                 record.error().message);
  }
  stopShims(shims, uid);
  if (auto r = unpinNamespaces(layout.nsDir(uid)); !r)
    return fail(r.error().context("sandbox " + uid));
  std::error_code ec;
  std::filesystem::remove_all(podDir, ec);
  if (ec) return failSys(ec.value(), "sandbox " + uid + ": remove " + podDir);
  spdlog::info("sandbox {}: removed", uid);
  return {};
}

}  // namespace podkeeper::runtime
