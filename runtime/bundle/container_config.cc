#include "runtime/bundle/container_config.h"

#include <algorithm>

namespace podkeeper::runtime {

ShimConfig shimConfigFromSpec(const ContainerSpec& spec) {
  ShimConfig cfg;
  cfg.sandboxUid = spec.sandboxUid;
  cfg.containerName = spec.name;
  cfg.image = spec.image;
  cfg.imageId = spec.resolvedImage.imageId;
  cfg.restartCount = spec.restartCount;
  cfg.argv = spec.argv;
  cfg.env = spec.env;
  cfg.workingDir = spec.workingDir.empty() ? "/" : spec.workingDir;
  cfg.lowerDirs = spec.resolvedImage.layers;
  cfg.stopSignal = spec.stopSignal;
  cfg.logPath = spec.logPath;
  cfg.oomScoreAdj = spec.oomScoreAdj;
  cfg.noNewPrivileges = !spec.allowPrivilegeEscalation && !spec.privileged;
  cfg.privileged = spec.privileged;
  cfg.unmaskedProc = spec.unmaskedProc;
  cfg.readOnlyRootfs = spec.readOnlyRootfs;
  cfg.appArmorProfile = spec.appArmorProfile;
  cfg.stdin = spec.stdin;
  cfg.stdinOnce = spec.stdinOnce;
  cfg.tty = spec.tty;
  return cfg;
}

ContainerUser containerUser(const ShimConfig& cfg) {
  ContainerUser u{cfg.runAsUser.value_or(0), cfg.runAsGroup.value_or(0), {}};
  std::vector<int64_t> others = cfg.supplementalGroups;
  std::sort(others.begin(), others.end());
  others.erase(std::unique(others.begin(), others.end()), others.end());
  u.supplementalGroups.push_back(u.gid);
  for (auto g : others)
    if (g != u.gid) u.supplementalGroups.push_back(g);
  return u;
}

}  // namespace podkeeper::runtime
