#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "harness.h"

namespace pkbench {

// runc as the peer: one bundle per command over the same busybox rootfs, state under the
// workspace, cgroups under the workspace's cgroup root.
class RuncPeer {
 public:
  RuncPeer(const Workspace& ws, std::string runc, std::string rootfs);
  ~RuncPeer();  // deletes (-f) every container it still knows of
  RuncPeer(const RuncPeer&) = delete;
  RuncPeer& operator=(const RuncPeer&) = delete;
  // Writes <runcRoot>/bundles/<bundle>/config.json from `runc spec`.
  // shared: a host directory bind-mounted read-write at /shared (the pod's emptyDir), or "".
  void makeBundle(const std::string& bundle, const std::vector<std::string>& args,
                  const std::string& shared = "");
  // `runc run -d` with stdout into a pipe; returns the read end (caller closes).
  struct Started {
    pid_t runcPid;
    int stdoutFd;
  };
  Started runDetached(const std::string& bundle, const std::string& id);
  pid_t containerPid(const std::string& id) const;
  int kill(const std::string& id, const std::string& signal);
  int remove(const std::string& id, bool force);
  void removeAll();
  std::string cgroupOf(const std::string& bundle) const;  // relative to a hierarchy root
  std::string bundleDir(const std::string& bundle) const { return bundlesDir_ + "/" + bundle; }
  // runc --root <state> args...
  std::vector<std::string> command(const std::vector<std::string>& args) const;

 private:
  std::vector<std::string> base() const;
  std::string runc_;
  std::string rootfs_;
  std::string stateRoot_;
  std::string bundlesDir_;
  std::string cgroupParent_;
};

// Reads a pipe until `marker` appears on a line or timeoutNs passed; true when seen.
bool waitPipeLine(int fd, const std::string& marker, int64_t timeoutNs, std::string& buffer);

}  // namespace pkbench
