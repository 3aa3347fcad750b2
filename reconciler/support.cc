#include "reconciler/support.h"

namespace podkeeper::reconciler {
namespace {

void checkContainer(const manifests::Container& c, const std::string& path,
                    std::vector<std::string>& out) {
  auto notYet = [&](const std::string& field, const std::string& what) {
    out.push_back(path + "." + field + ": " + what + " is not supported by this podkeeper yet");
  };
  if (c.livenessProbe) notYet("livenessProbe", "a liveness probe");
  if (c.readinessProbe) notYet("readinessProbe", "a readiness probe");
  if (c.startupProbe) notYet("startupProbe", "a startup probe");
  if (c.lifecycle && c.lifecycle->postStart) notYet("lifecycle.postStart", "a postStart hook");
  if (c.lifecycle && c.lifecycle->preStop) notYet("lifecycle.preStop", "a preStop hook");
  for (size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const auto& m = c.volumeMounts[i];
    std::string at = "volumeMounts[" + std::to_string(i) + "]";
    if (!m.subPath.empty()) notYet(at + ".subPath", "a subPath");
    if (!m.subPathExpr.empty()) notYet(at + ".subPathExpr", "a subPathExpr");
  }
  if (c.securityContext) {
    const auto& sc = *c.securityContext;
    if (sc.seccompProfile && sc.seccompProfile->type != "Unconfined")
      notYet("securityContext.seccompProfile", "a seccomp profile");
    if (sc.procMount == "Unmasked") notYet("securityContext.procMount", "an unmasked /proc");
  }
}

}  // namespace

std::vector<std::string> unsupportedFields(const manifests::Pod& pod) {
  std::vector<std::string> out;
  const auto& spec = pod.spec;
  auto notYet = [&](const std::string& field, const std::string& what) {
    out.push_back("spec." + field + ": " + what + " is not supported by this podkeeper yet");
  };
  for (size_t i = 0; i < spec.initContainers.size(); ++i)
    checkContainer(spec.initContainers[i], "spec.initContainers[" + std::to_string(i) + "]", out);
  for (size_t i = 0; i < spec.containers.size(); ++i)
    checkContainer(spec.containers[i], "spec.containers[" + std::to_string(i) + "]", out);
  if (spec.shareProcessNamespace) notYet("shareProcessNamespace", "a shared PID namespace");
  for (size_t i = 0; i < spec.volumes.size(); ++i)
    if (spec.volumes[i].downwardAPI)
      notYet("volumes[" + std::to_string(i) + "].downwardAPI", "a downwardAPI volume");
  const auto& psc = spec.securityContext;
  if (psc.fsGroup) notYet("securityContext.fsGroup", "changing volume ownership to fsGroup");
  if (psc.seccompProfile && psc.seccompProfile->type != "Unconfined")
    notYet("securityContext.seccompProfile", "a seccomp profile");
  return out;
}

}  // namespace podkeeper::reconciler
