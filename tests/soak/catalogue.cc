#include "tests/soak/catalogue.h"

namespace podkeeper::soak {
namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// A busybox container running a shell script; extra is appended at the container's indent.
std::string container(const std::string& name, const std::string& script,
                      const std::string& memoryLimit = "32Mi", const std::string& extra = "") {
  return "  - name: " + name + "\n    image: busybox\n    command: [\"sh\", \"-c\", " +
         quoted(script) +
         "]\n    resources:\n      requests: {cpu: 10m, memory: 4Mi}\n      limits: {cpu: 200m, "
         "memory: " +
         memoryLimit + "}\n" + extra;
}

std::string genEnv(const SoakPod& pod) {
  return "    env:\n    - {name: SOAK_GENERATION, value: \"" + std::to_string(pod.generation) +
         "\"}\n";
}

const char* kCounterScript = "i=0; while true; do i=$((i+1)); echo \"seq $i\"; sleep 0.1; done";
const char* kSleepScript = "trap 'exit 0' TERM; while true; do sleep 1; done";

std::string body(const SoakPod& p) {
  const std::string env = genEnv(p);
  switch (p.kind) {
    case PodKind::Counter:
      return "  containers:\n" + container("counter", kCounterScript, "32Mi", env);
    case PodKind::RandomExit:
      return "  restartPolicy: OnFailure\n  containers:\n" +
             container("dice", "sleep $((RANDOM % 5 + 1)); exit $((RANDOM % 2))", "32Mi", env);
    case PodKind::InitSidecar:
      return "  initContainers:\n" + container("init", "echo init done") +
             container("sidecar", kCounterScript, "32Mi", "    restartPolicy: Always\n") +
             "  containers:\n" + container("app", kSleepScript, "32Mi", env);
    case PodKind::Probes:
      return "  containers:\n" +
             container("probed", "touch /tmp/ready; " + std::string(kSleepScript), "32Mi",
                       env +
                           "    startupProbe: {exec: {command: [cat, /tmp/ready]}, "
                           "periodSeconds: 1, failureThreshold: 30}\n"
                           "    livenessProbe: {exec: {command: [\"true\"]}, periodSeconds: 2}\n"
                           "    readinessProbe: {exec: {command: [cat, /tmp/ready]}, "
                           "periodSeconds: 2}\n");
    case PodKind::Hooks:
      return "  containers:\n" +
             container("hooked", kSleepScript, "32Mi",
                       env +
                           "    lifecycle:\n      postStart: {exec: {command: [sh, -c, "
                           "\"echo started > /tmp/hook\"]}}\n      preStop: {exec: {command: "
                           "[sh, -c, \"echo stopping\"]}}\n");
    case PodKind::Volumes:
      return "  volumes:\n  - {name: shared, emptyDir: {}}\n  containers:\n" +
             container("writer", "while true; do date > /shared/now; sleep 1; done", "32Mi",
                       env + "    volumeMounts: [{name: shared, mountPath: /shared}]\n") +
             container("reader", "while true; do cat /shared/now >/dev/null 2>&1; sleep 1; done",
                       "32Mi", "    volumeMounts: [{name: shared, mountPath: /shared}]\n");
    case PodKind::MemoryHog:
      return "  containers:\n" +
             container("hog", "sleep 2; head -c 256m /dev/zero | tail", "24Mi", env);
    case PodKind::ForkBomb:
      return "  containers:\n" +
             container("bomb", "while true; do sleep 600 & done 2>/dev/null", "64Mi", env);
    case PodKind::LogFlood:
      return "  containers:\n" +
             container("flood",
                       "while true; do yes flood-flood-flood-flood-flood | head -n 4000; "
                       "sleep 0.2; done",
                       "32Mi", env);
    case PodKind::SharedPid:
      return "  shareProcessNamespace: true\n  containers:\n" +
             container("first", kSleepScript, "32Mi", env) + container("second", kSleepScript);
  }
  return "";
}

}  // namespace

std::string kindName(PodKind kind) {
  switch (kind) {
    case PodKind::Counter:
      return "counter";
    case PodKind::RandomExit:
      return "random-exit";
    case PodKind::InitSidecar:
      return "init-sidecar";
    case PodKind::Probes:
      return "probes";
    case PodKind::Hooks:
      return "hooks";
    case PodKind::Volumes:
      return "volumes";
    case PodKind::MemoryHog:
      return "memory-hog";
    case PodKind::ForkBomb:
      return "fork-bomb";
    case PodKind::LogFlood:
      return "log-flood";
    case PodKind::SharedPid:
      return "shared-pid";
  }
  return "?";
}

SoakPod makePod(PodKind kind, int id) {
  SoakPod p;
  p.kind = kind;
  p.name = "s" + std::to_string(id) + "-" + kindName(kind);
  p.uid = "soak-" + std::to_string(id);
  p.labels = {{"app", kindName(kind)}, {"edit", "0"}};
  return p;
}

std::string manifestYaml(const SoakPod& p) {
  std::string labels;
  for (const auto& [k, v] : p.labels) labels += "    " + k + ": \"" + v + "\"\n";
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + p.name + "\n  uid: " + p.uid +
         "\n  labels:\n" + labels + "spec:\n  terminationGracePeriodSeconds: 2\n" + body(p);
}

std::vector<std::string> appContainers(PodKind kind) {
  switch (kind) {
    case PodKind::Counter:
      return {"counter"};
    case PodKind::RandomExit:
      return {"dice"};
    case PodKind::InitSidecar:
      return {"app"};
    case PodKind::Probes:
      return {"probed"};
    case PodKind::Hooks:
      return {"hooked"};
    case PodKind::Volumes:
      return {"writer", "reader"};
    case PodKind::MemoryHog:
      return {"hog"};
    case PodKind::ForkBomb:
      return {"bomb"};
    case PodKind::LogFlood:
      return {"flood"};
    case PodKind::SharedPid:
      return {"first", "second"};
  }
  return {};
}

bool settlesRunning(PodKind kind) {
  return kind != PodKind::RandomExit && kind != PodKind::MemoryHog && kind != PodKind::ForkBomb;
}

std::string counterContainer(PodKind kind) {
  if (kind == PodKind::Counter) return "counter";
  if (kind == PodKind::InitSidecar) return "sidecar";
  return "";
}

}  // namespace podkeeper::soak
