#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/sysctl_names.h"  // sysctlNamespace

// A pod's net, ipc and uts namespaces, kept alive by bind mounts of /proc/<pid>/ns/<kind>
// onto files in the pod's ns/ directory (no pause process, like CRI-O's pinns).
namespace podkeeper::runtime {

using Sysctls = std::vector<std::pair<std::string, std::string>>;

// Creates new namespaces of the given kinds ("net", "ipc", "uts") with a short-lived helper
// child (hostname set, lo up, sysctls written inside them) and pins them in nsDir, which
// becomes a shared bind mount of itself so unpinning propagates to every mount namespace
// that holds a copy (as `ip netns` does with /run/netns). With userHostId (hostUsers: false)
// the helper first makes a user namespace whose ids 0-65535 map onto userHostId and up; it
// owns the others, and is pinned as nsDir/user.
Result<void> pinNewNamespaces(const std::string& nsDir, const std::vector<std::string>& kinds,
                              const std::string& hostname, const Sysctls& sysctls,
                              std::optional<uint32_t> userHostId = std::nullopt);

// Namespaces made ahead of their pod, as ShimStandby starts shims ahead: a helper that has
// unshared net, ipc and uts and brought lo up, and waits for a pod's hostname and sysctls. A
// pod whose new namespaces are exactly those three takes it (startPinningNamespaces) and the
// next is cloned to wait: making a net namespace (0.4-0.7 ms here) is then not part of a
// start. The first pod finds none waiting and has a helper of its own. Thread-safe; the
// waiting helper is killed and reaped with this, and ends with the agent: it waits on a
// socket whose other end the agent holds (a pod's own helper dies with the thread that
// cloned it, PR_SET_PDEATHSIG, which waits for it; a waiting one may outlive its thread).
// A helper's command line is the agent's (they share memory); its name (comm) is
// "podkeeper-ns".
class NamespaceStandby {
 public:
  NamespaceStandby();
  NamespaceStandby(const NamespaceStandby&) = delete;
  NamespaceStandby& operator=(const NamespaceStandby&) = delete;
  ~NamespaceStandby();
  // The waiting helper's pid; 0 when none waits.
  pid_t waitingPid() const;

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// pinNewNamespaces in two halves, so the caller can work while the helper makes the
// namespaces: start clones the helper (or takes the one standby has waiting), finish waits
// for it and pins what it made. A NamespacePinning dropped unfinished kills its helper
// (nothing is pinned).
class NamespacePinning {
 public:
  struct State;
  explicit NamespacePinning(std::unique_ptr<State> s);
  NamespacePinning(NamespacePinning&&) noexcept;
  NamespacePinning& operator=(NamespacePinning&&) = delete;
  ~NamespacePinning();
  Result<void> finish();

 private:
  std::unique_ptr<State> s_;
};
Result<NamespacePinning> startPinningNamespaces(const std::string& nsDir,
                                                const std::vector<std::string>& kinds,
                                                const std::string& hostname, const Sysctls& sysctls,
                                                std::optional<uint32_t> userHostId,
                                                NamespaceStandby* standby);

// True when the pin of every kind in nsDir is a mounted namespace file.
bool namespacePinsValid(const std::string& nsDir, const std::vector<std::string>& kinds);

// "net.ipv4.ip_forward" -> "/proc/sys/net/ipv4/ip_forward"; refuses names that would leave
// /proc/sys.
Result<std::string> sysctlPath(const std::string& name);

// Makes dir a shared bind mount of itself, so mounts below it (pins) and their removal
// propagate to every mount namespace holding a copy.
Result<void> makeSharedSelfBind(const std::string& dir);

// Lazily unmounts every mount stacked on path; fine when there is none.
Result<void> unmountAll(const std::string& path);

// True when path is the root of a mount.
bool isMountRoot(const std::string& path);

// Lazily unmounts the pins and nsDir's self-bind. Idempotent.
Result<void> unpinNamespaces(const std::string& nsDir);

}  // namespace podkeeper::runtime
