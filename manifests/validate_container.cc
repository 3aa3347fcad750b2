#include <set>

#include "common/image_reference.h"
#include "manifests/env_file.h"
#include "manifests/names.h"
#include "manifests/quantity.h"
#include "manifests/stop_signal.h"
#include "manifests/validate.h"
#include "manifests/validate_common.h"
#include "manifests/validate_probe.h"

namespace podkeeper::manifests {
namespace {

void validatePorts(const Container& c, const PodSpec& spec, const std::string& field, Reporter& r) {
  std::set<std::string> names;
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const ContainerPort& p = c.ports[i];
    const std::string f = at(field + ".ports", i);
    if (p.containerPort < 1 || p.containerPort > 65535) {
      r.error(f + ".containerPort",
              std::to_string(p.containerPort) + " must be between 1 and 65535");
    }
    if (p.hostPort < 0 || p.hostPort > 65535) {
      r.error(f + ".hostPort", std::to_string(p.hostPort) + " must be between 1 and 65535");
    } else if (spec.hostNetwork && p.hostPort != 0 && p.hostPort != p.containerPort) {
      r.error(f + ".hostPort", "must equal containerPort when hostNetwork is true");
    }
    if (p.protocol != "TCP" && p.protocol != "UDP" && p.protocol != "SCTP") {
      r.error(f + ".protocol", quote(p.protocol) + " is not one of TCP, UDP, SCTP");
    }
    if (p.name.empty()) continue;
    if (auto why = checkPortName(p.name); !why.empty()) {
      r.error(f + ".name", quote(p.name) + " " + why);
    } else if (!names.insert(p.name).second) {
      r.error(f + ".name", quote(p.name) + " is already used by another port");
    }
  }
}

// As the API server validates a FileKeySelector: an emptyDir volume of the pod, a relative
// path without "..", a key of printable ASCII without '=' and at most 128 characters.
void checkFileKeyRef(const FileKeySelector& k, const PodSpec& spec, const std::string& field,
                     Reporter& r) {
  const Volume* volume = nullptr;
  for (const auto& v : spec.volumes)
    if (v.name == k.volumeName) volume = &v;
  if (k.volumeName.empty()) {
    r.error(field + ".volumeName", "is required");
  } else if (volume == nullptr) {
    r.error(field + ".volumeName", quote(k.volumeName) + " is not declared in spec.volumes");
  } else if (!volume->emptyDir) {
    r.error(field + ".volumeName", quote(k.volumeName) + " must be an emptyDir volume");
  }
  if (k.path.empty()) {
    r.error(field + ".path", "is required");
  } else if (auto why = checkRelativePath(k.path); !why.empty()) {
    r.error(field + ".path", quote(k.path) + " " + why);
  }
  bool printable = !k.key.empty();
  for (char ch : k.key) printable = printable && ch > ' ' && ch < 0x7F && ch != '=';
  if (k.key.empty()) {
    r.error(field + ".key", "is required");
  } else if (!printable) {
    r.error(field + ".key",
            quote(k.key) + " must consist of printable ASCII characters except '='");
  } else if (k.key.size() > kMaxEnvFileKeyLength) {
    r.error(field + ".key", "must be no more than 128 characters");
  }
}

void validateEnv(const Container& c, const PodSpec& spec, const std::string& field, Reporter& r) {
  for (size_t i = 0; i < c.env.size(); ++i) {
    const EnvVar& e = c.env[i];
    const std::string f = at(field + ".env", i);
    if (auto why = checkEnvVarName(e.name); !why.empty())
      r.error(f + ".name", quote(e.name) + " " + why);
    if (!e.valueFrom) continue;
    if (!e.value.empty()) r.error(f + ".valueFrom", "may not be set when value is not empty");
    const EnvVarSource& src = *e.valueFrom;
    if (src.fieldRef.has_value() + src.resourceFieldRef.has_value() + src.fileKeyRef.has_value() !=
        1) {
      r.error(f + ".valueFrom",
              "exactly one of fieldRef, resourceFieldRef and fileKeyRef is required");
    }
    if (src.fileKeyRef) checkFileKeyRef(*src.fileKeyRef, spec, f + ".valueFrom.fileKeyRef", r);
    if (src.fieldRef) checkFieldRef(*src.fieldRef, false, f + ".valueFrom.fieldRef", r);
    if (src.resourceFieldRef) {
      checkResourceFieldRef(*src.resourceFieldRef, spec, false, f + ".valueFrom.resourceFieldRef",
                            r);
    }
  }
}

void validateResources(const Container& c, const std::string& field, Reporter& r) {
  const ResourceList& req = c.resources.requests;
  const ResourceList& lim = c.resources.limits;
  auto notAbove = [&](const char* name, const std::optional<int64_t>& q,
                      const std::optional<int64_t>& l, auto format) {
    if (q && l && *q > *l) {
      r.error(field + ".resources.requests." + name,
              quote(format(*q)) + " must be less than or equal to the limit " + quote(format(*l)));
    }
  };
  notAbove("cpu", req.cpuMilli, lim.cpuMilli, formatCpuMilli);
  notAbove("memory", req.memoryBytes, lim.memoryBytes, formatBytes);
  notAbove("ephemeral-storage", req.ephemeralStorageBytes, lim.ephemeralStorageBytes, formatBytes);
  // Extended resources cannot be overcommitted: a limit is required, and equals the request.
  for (const auto& [name, value] : req.extended) {
    auto limit = lim.extended.find(name);
    if (limit == lim.extended.end()) {
      r.error(field + ".resources.limits." + name,
              "Limit must be set for non overcommitable resources");
    } else if (limit->second != value) {
      r.error(field + ".resources.requests." + name,
              quote(std::to_string(value)) + " must be equal to " + name + " limit of " +
                  quote(std::to_string(limit->second)));
    }
  }
}

// The API server's validateContainerStopSignal: only with spec.os.name, a Linux signal name.
void validateStopSignal(const std::string& signal, const PodSpec& spec, const std::string& field,
                        Reporter& r) {
  if (signal.empty()) return;
  if (spec.osName.empty()) {
    r.error(field, "may not be set for containers with empty `spec.os.name`");
  } else if (spec.osName == "linux" && !stopSignalNumber(signal)) {
    r.error(field,
            quote(signal) + " is not supported; supported values: " + supportedStopSignals());
  }
}

// The API server's validateMountPropagation and validateMountRecursiveReadOnly.
void validatePropagation(const VolumeMount& m, const Container& c, const std::string& f,
                         Reporter& r) {
  const std::string& p = m.mountPropagation;
  if (!p.empty() && p != "None" && p != "HostToContainer" && p != "Bidirectional") {
    r.error(f + ".mountPropagation",
            quote(p) +
                " is not supported; supported values: \"Bidirectional\", \"HostToContainer\", "
                "\"None\"");
  }
  const bool privileged = c.securityContext && c.securityContext->privileged == true;
  if (p == "Bidirectional" && !privileged) {
    r.error(f + ".mountPropagation",
            "Bidirectional mount propagation is available only to privileged containers");
  }
  const std::string& rro = m.recursiveReadOnly;
  if (rro.empty() || rro == "Disabled") return;
  if (rro != "IfPossible" && rro != "Enabled") {
    r.error(f + ".recursiveReadOnly",
            quote(rro) +
                " is not supported; supported values: \"Disabled\", \"Enabled\", \"IfPossible\"");
    return;
  }
  if (!m.readOnly) r.error(f + ".recursiveReadOnly", "may only be specified when readOnly is true");
  if (!p.empty() && p != "None") {
    r.error(f + ".recursiveReadOnly",
            "may only be specified when mountPropagation is None or not specified");
  }
}

void validateMounts(const Container& c, const PodSpec& spec, const std::string& field,
                    Reporter& r) {
  std::set<std::string> volumes, paths;
  for (const auto& v : spec.volumes) volumes.insert(v.name);
  for (size_t i = 0; i < c.volumeMounts.size(); ++i) {
    const VolumeMount& m = c.volumeMounts[i];
    const std::string f = at(field + ".volumeMounts", i);
    if (m.name.empty()) {
      r.error(f + ".name", "is required");
    } else if (!volumes.count(m.name)) {
      r.error(f + ".name", "volume " + quote(m.name) + " is not declared in spec.volumes");
    }
    if (m.mountPath.empty()) {
      r.error(f + ".mountPath", "is required");
    } else if (m.mountPath.front() != '/') {
      r.error(f + ".mountPath", quote(m.mountPath) + " must be an absolute path");
    } else if (!paths.insert(m.mountPath).second) {
      r.error(f + ".mountPath", quote(m.mountPath) + " is already mounted by another volumeMount");
    }
    if (!m.subPath.empty() && !m.subPathExpr.empty()) {
      r.error(f + ".subPathExpr", "subPath and subPathExpr are mutually exclusive");
    }
    if (auto why = checkRelativePath(m.subPath); !why.empty()) {
      r.error(f + ".subPath", quote(m.subPath) + " " + why);
    }
    if (auto why = checkRelativePath(m.subPathExpr); !why.empty()) {
      r.error(f + ".subPathExpr", quote(m.subPathExpr) + " " + why);
    }
    validatePropagation(m, c, f, r);
  }
}

void validateSecurity(const SecurityContext& s, const std::string& field, Reporter& r) {
  checkId(s.runAsUser, field + ".runAsUser", r);
  checkId(s.runAsGroup, field + ".runAsGroup", r);
  checkSeccomp(s.seccompProfile, field + ".seccompProfile", r);
  if (!s.procMount.empty() && s.procMount != "Default" && s.procMount != "Unmasked") {
    r.error(field + ".procMount", quote(s.procMount) + " is not one of Default, Unmasked");
  }
  if (s.allowPrivilegeEscalation == false) {
    if (s.privileged == true) {
      r.error(field, "cannot set allowPrivilegeEscalation to false and privileged to true");
    }
    if (s.capabilities) {
      for (const auto& cap : s.capabilities->add) {
        if (cap == "SYS_ADMIN" || cap == "CAP_SYS_ADMIN") {
          r.error(field, "cannot set allowPrivilegeEscalation to false and add CAP_SYS_ADMIN");
        }
      }
    }
  }
}

// The API server's validateContainerRestartPolicy (ContainerRestartRules) for a regular
// container: its own restartPolicy, required by rules; at most 20 rules of action Restart,
// each with exitCodes (operator In or NotIn, at most 255 values).
void validateRestartRules(const Container& c, const std::string& field, Reporter& r) {
  const auto& rules = c.restartPolicyRules;
  if (c.restartPolicy.empty()) {
    if (!rules.empty())
      r.error(field + ".restartPolicy", "must specify restartPolicy when restart rules are used");
  } else if (c.restartPolicy != "Always" && c.restartPolicy != "OnFailure" &&
             c.restartPolicy != "Never") {
    r.error(field + ".restartPolicy", quote(c.restartPolicy) +
                                          " is not supported; supported values: \"Always\", "
                                          "\"Never\", \"OnFailure\"");
  }
  if (rules.size() > 20)
    r.error(field + ".restartPolicyRules",
            "must have at most 20 items (has " + std::to_string(rules.size()) + ")");
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string f = at(field + ".restartPolicyRules", i);
    if (rules[i].action != "Restart")
      r.error(f + ".action",
              quote(rules[i].action) + " is not supported; supported values: \"Restart\"");
    if (!rules[i].exitCodes) {
      r.error(f + ".exitCodes", "must be specified");
      continue;
    }
    const auto& codes = *rules[i].exitCodes;
    if (codes.op != "In" && codes.op != "NotIn")
      r.error(f + ".exitCodes.operator",
              quote(codes.op) + " is not supported; supported values: \"In\", \"NotIn\"");
    if (codes.values.size() > 255)
      r.error(f + ".exitCodes.values",
              "must have at most 255 items (has " + std::to_string(codes.values.size()) + ")");
  }
}

// The API server's validateResizePolicy: cpu and memory once each, NotRequired or
// RestartContainer, and only NotRequired in a pod whose restartPolicy is Never.
void validateResizePolicy(const Container& c, const PodSpec& spec, const std::string& field,
                          Reporter& r) {
  std::set<std::string> seen;
  for (size_t i = 0; i < c.resizePolicy.size(); ++i) {
    const auto& p = c.resizePolicy[i];
    const std::string f = at(field + ".resizePolicy", i);
    if (!seen.insert(p.resourceName).second)
      r.error(f, "Duplicate value: " + quote(p.resourceName));
    if (p.resourceName.empty())
      r.error(f + ".resourceName", "is required");
    else if (p.resourceName != "cpu" && p.resourceName != "memory")
      r.error(f + ".resourceName",
              quote(p.resourceName) + " is not supported; supported values: \"cpu\", \"memory\"");
    if (p.restartPolicy.empty())
      r.error(f + ".restartPolicy", "is required");
    else if (p.restartPolicy != "NotRequired" && p.restartPolicy != "RestartContainer")
      r.error(f + ".restartPolicy", quote(p.restartPolicy) +
                                        " is not supported; supported values: \"NotRequired\", "
                                        "\"RestartContainer\"");
    else if (spec.restartPolicy == RestartPolicy::Never && p.restartPolicy != "NotRequired")
      r.error(f + ".restartPolicy",
              quote(p.restartPolicy) + ": must be 'NotRequired' when `restartPolicy` is 'Never'");
  }
}

void validateOne(const Container& c, bool init, const PodSpec& spec, const std::string& field,
                 Reporter& r) {
  if (c.image.empty()) {
    r.error(field + ".image", "is required (images are local; name one)");
  } else if (auto ref = parseImageReference(c.image); !ref) {
    r.error(field + ".image", ref.error().message);
  }
  if (c.imagePullPolicy != "Always" && c.imagePullPolicy != "IfNotPresent" &&
      c.imagePullPolicy != "Never") {
    r.error(field + ".imagePullPolicy",
            quote(c.imagePullPolicy) + " is not one of Always, IfNotPresent, Never");
  }
  if (!c.workingDir.empty() && c.workingDir.front() != '/') {
    r.error(field + ".workingDir", quote(c.workingDir) + " must be an absolute path");
  }
  if (c.terminationMessagePath.empty() || c.terminationMessagePath.front() != '/') {
    r.error(field + ".terminationMessagePath",
            quote(c.terminationMessagePath) + " must be an absolute path");
  }
  if (c.terminationMessagePolicy != "File" &&
      c.terminationMessagePolicy != "FallbackToLogsOnError") {
    r.error(field + ".terminationMessagePolicy",
            quote(c.terminationMessagePolicy) + " is not one of File, FallbackToLogsOnError");
  }
  validatePorts(c, spec, field, r);
  validateEnv(c, spec, field, r);
  validateResources(c, field, r);
  validateResizePolicy(c, spec, field, r);
  validateMounts(c, spec, field, r);
  if (c.securityContext) validateSecurity(*c.securityContext, field + ".securityContext", r);
  if (c.securityContext && c.securityContext->procMount == "Unmasked" && spec.hostUsers) {
    r.error(field + ".securityContext.procMount",
            "Invalid value: \"Unmasked\": `hostUsers` must be false to use `Unmasked`");
  }
  const std::pair<const std::optional<Probe>*, std::pair<const char*, ProbeKind>> probes[] = {
      {&c.livenessProbe, {"livenessProbe", ProbeKind::Liveness}},
      {&c.readinessProbe, {"readinessProbe", ProbeKind::Readiness}},
      {&c.startupProbe, {"startupProbe", ProbeKind::Startup}}};
  // A sidecar runs beside the regular containers: probes and hooks apply to it as to them.
  const bool runsToCompletion = init && !isSidecar(c);
  // ContainerRestartRules: an init container's own restartPolicy is Always (a sidecar), or
  // OnFailure or Never with rules, as a regular container's.
  if (init && isSidecar(c)) {
    if (!c.restartPolicyRules.empty())
      r.error(field + ".restartPolicyRules",
              "Forbidden: may not be set for a sidecar container (restartPolicy: Always)");
  } else {
    validateRestartRules(c, field, r);
  }
  for (const auto& [probe, what] : probes) {
    if (!*probe) continue;
    const std::string f = field + "." + what.first;
    if (runsToCompletion) {
      r.error(f, "must not be set for init containers");
    } else {
      validateProbe(**probe, what.second, c, f, r);
    }
  }
  if (c.lifecycle) {
    if (runsToCompletion) {
      r.error(field + ".lifecycle", "must not be set for init containers");
    } else {
      validateLifecycle(*c.lifecycle, c, spec.terminationGracePeriodSeconds, field + ".lifecycle",
                        r);
      validateStopSignal(c.lifecycle->stopSignal, spec, field + ".lifecycle.stopSignal", r);
    }
  }
}

}  // namespace

void validateContainers(const PodSpec& spec, Reporter& r) {
  std::set<std::string> names;
  for (bool init : {true, false}) {
    const auto& list = init ? spec.initContainers : spec.containers;
    const std::string base = init ? "spec.initContainers" : "spec.containers";
    for (size_t i = 0; i < list.size(); ++i) {
      const Container& c = list[i];
      const std::string field = at(base, i);
      if (auto why = checkDns1123Label(c.name); !why.empty()) {
        r.error(field + ".name", quote(c.name) + " " + why);
      } else if (!names.insert(c.name).second) {
        r.error(field + ".name", quote(c.name) + " is already used by another container");
      }
      validateOne(c, init, spec, field, r);
    }
  }
}

}  // namespace podkeeper::manifests
