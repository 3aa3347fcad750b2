#include "runtime/bundle/container_config.h"

namespace podkeeper::runtime {

ShimConfig shimConfigFromSpec(const ContainerSpec& spec) {
  ShimConfig cfg;
  cfg.sandboxUid = spec.sandboxUid;
  cfg.containerName = spec.name;
  cfg.image = spec.image;
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
  cfg.readOnlyRootfs = spec.readOnlyRootfs;
  cfg.stdin = spec.stdin;
  cfg.stdinOnce = spec.stdinOnce;
  cfg.tty = spec.tty;
  return cfg;
}

}  // namespace podkeeper::runtime
