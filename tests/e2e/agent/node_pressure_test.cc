#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// Node-pressure eviction through the real agent, with thresholds set so that the pressure is
// real and deterministic: memory.available just under the machine's whole memory (always
// short), and nodefs.available on a small tmpfs made the test's --root-dir.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

int64_t memTotalKi() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  while (in >> key >> kb)
    if (key == "MemTotal:") return kb;
  return 0;
}

std::string phase(const AgentHarness& agent, const std::string& pod) {
  auto j = podJson(agent, pod);
  return j.is_object() ? j["status"].value("phase", "") : "";
}

std::string statusField(const AgentHarness& agent, const std::string& pod, const char* field) {
  auto j = podJson(agent, pod);
  if (!j.is_object() || !j["status"].contains(field)) return "";
  return j["status"][field].get<std::string>();
}

nlohmann::json condition(const AgentHarness& agent, const std::string& type) {
  auto r = agent.get("/node");
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object()) return nullptr;
  for (const auto& c : j["status"]["conditions"])
    if (c["type"] == type) return c;
  return nullptr;
}

bool conditionIs(const AgentHarness& agent, const std::string& type, const std::string& status) {
  auto c = condition(agent, type);
  return c.is_object() && c["status"] == status;
}

// One sample's value from the plain port's /metrics, -1 when absent.
double metric(const AgentHarness& agent, const std::string& series) {
  auto body = agent.getTcp("/metrics").body;
  auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + series.size() + 2));
}

// A Guaranteed pod using next to nothing of its requests.
PodYaml guaranteed() {
  PodYaml p;
  p.name = "steady";
  p.uid = "e2e-pressure-steady";
  p.grace = 1;
  p.cpuRequest = p.cpuLimit = "100m";
  p.memoryRequest = p.memoryLimit = "64Mi";
  return p;
}

// A Burstable pod holding 200Mi, far above its 16Mi request: dd's 200M buffer, filled, then
// held while dd blocks writing into a pipe nobody reads.
PodYaml hog() {
  PodYaml p;
  p.name = "hog";
  p.uid = "e2e-pressure-hog";
  p.grace = 1;
  p.memoryRequest = "16Mi";
  p.memoryLimit = "512Mi";
  p.script = "dd if=/dev/zero bs=200M count=1 2>/dev/null | sleep 100000";
  return p;
}

uint64_t cgroupMemory(const AgentHarness& agent, const std::string& cgroup) {
  auto text = readFile(agent.memoryCgroupDir(cgroup) + "/memory.usage_in_bytes");
  return text.empty() ? 0 : std::stoull(text);
}

TEST(NodePressure, MemoryHogAboveItsRequestIsEvictedFirstWithTheKubeletsMessage) {
  AgentHarness agent;
  // First without thresholds: both pods run and the hog fills its buffer.
  agent.start({"--eviction-hard", ""});
  const PodYaml steady = guaranteed(), greedy = hog();
  agent.dropManifest("steady.yaml", steady.str());
  agent.dropManifest("hog.yaml", greedy.str());
  ASSERT_TRUE(waitFor([&] { return cgroupMemory(agent, greedy.podCgroup()) > (150u << 20); }, 20s))
      << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return phase(agent, "steady") == "Running"; }, 10s));
  ASSERT_TRUE(conditionIs(agent, "MemoryPressure", "False")) << agent.get("/node").body;

  // Then with memory.available short of a threshold 256Mi under the machine's memory: the
  // agent adopts both and the hog goes first.
  agent.stop();
  const std::string threshold = std::to_string(memTotalKi() - 262144) + "Ki";
  agent.start({"--eviction-hard", "memory.available<" + threshold, "--eviction-monitoring-interval",
               "1s", "--eviction-pressure-transition-period", "2s"});
  ASSERT_TRUE(waitFor([&] { return phase(agent, "hog") == "Failed"; }, 20s)) << agent.agentLog();
  EXPECT_EQ(phase(agent, "steady"), "Running") << "the pod within its requests went first";
  EXPECT_EQ(statusField(agent, "hog", "reason"), "Evicted");
  const std::string message = statusField(agent, "hog", "message");
  EXPECT_EQ(message.rfind("The node was low on resource: memory. Threshold quantity: ", 0), 0u)
      << message;
  EXPECT_NE(message.find("Container app was using "), std::string::npos) << message;
  EXPECT_NE(message.find(", request is 16Mi, has larger consumption of memory. "),
            std::string::npos)
      << message;
  EXPECT_TRUE(conditionIs(agent, "MemoryPressure", "True")) << agent.get("/node").body;
  EXPECT_EQ(condition(agent, "MemoryPressure")["reason"], "KubeletHasInsufficientMemory");
  EXPECT_EQ(metric(agent, "podkeeper_node_condition{condition=\"MemoryPressure\"}"), 1);
  EXPECT_GE(metric(agent, "kubelet_evictions{eviction_signal=\"memory.available\"}"), 1);
  // Its containers were stopped with the hard threshold's 1 s grace.
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "hog"), "app");
        return s.is_object() && s["state"].contains("terminated");
      },
      10s))
      << agent.agentLog();

  // Under memory pressure a BestEffort pod is refused as the kubelet refuses it; a Burstable
  // one is admitted.
  PodYaml bestEffort;
  bestEffort.name = "late";
  bestEffort.uid = "e2e-pressure-late";
  std::string yaml = bestEffort.str();
  yaml = yaml.substr(0, yaml.find("    resources:"));
  agent.dropManifest("late.yaml", yaml);
  ASSERT_TRUE(waitFor([&] { return phase(agent, "late") == "Failed"; }, 10s)) << agent.agentLog();
  EXPECT_EQ(statusField(agent, "late", "reason"), "Evicted");
  EXPECT_EQ(statusField(agent, "late", "message"),
            "Pod was rejected: The node had condition: [MemoryPressure]. ");

  // The pressure lasts: the Guaranteed pod is next, once the hog is gone; its message names
  // no container (none used more than it requested).
  ASSERT_TRUE(waitFor([&] { return phase(agent, "steady") == "Failed"; }, 45s)) << agent.agentLog();
  const std::string second = statusField(agent, "steady", "message");
  EXPECT_EQ(second.find("Container"), std::string::npos) << second;

  // No eviction loop: evicted static pods are not restarted while their manifests stay (the
  // kubelet's rule for a static pod of the same uid), and nothing more is evicted.
  const double evictions = metric(agent, "kubelet_evictions{eviction_signal=\"memory.available\"}");
  std::this_thread::sleep_for(4s);
  EXPECT_EQ(phase(agent, "hog"), "Failed");
  EXPECT_EQ(phase(agent, "steady"), "Failed");
  EXPECT_EQ(metric(agent, "kubelet_evictions{eviction_signal=\"memory.available\"}"), evictions);
}

// nodefs on a 32 MiB tmpfs the test makes the agent's --root-dir: a file the test writes
// there brings DiskPressure (every new pod refused), deleting it ends it after the transition
// period, and the refused pod then starts.
TEST(NodePressure, DiskPressureComesAndGoesWithTheTransitionPeriodAndGatesAdmission) {
  AgentHarness agent;
  std::filesystem::create_directories(agent.rootDir());
  ASSERT_EQ(::mount("tmpfs", agent.rootDir().c_str(), "tmpfs", 0, "size=32m,mode=0700"), 0);
  // (the harness unmounts everything under its directory when it cleans up)
  agent.start({"--eviction-hard", "nodefs.available<12Mi", "--eviction-monitoring-interval",
               "500ms", "--eviction-pressure-transition-period", "3s"});
  ASSERT_TRUE(waitFor([&] { return conditionIs(agent, "DiskPressure", "False"); }, 10s))
      << agent.get("/node").body;

  {
    std::ofstream fill(agent.rootDir() + "/fill");
    std::string mib(1 << 20, 'x');
    for (int i = 0; i < 24; ++i) fill << mib;
  }
  ASSERT_TRUE(waitFor([&] { return conditionIs(agent, "DiskPressure", "True"); }, 10s))
      << agent.get("/node").body;
  EXPECT_EQ(condition(agent, "DiskPressure")["reason"], "KubeletHasDiskPressure");
  EXPECT_EQ(metric(agent, "podkeeper_node_condition{condition=\"DiskPressure\"}"), 1);

  PodYaml pod;
  pod.name = "newcomer";
  pod.uid = "e2e-pressure-newcomer";
  agent.dropManifest("newcomer.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return phase(agent, "newcomer") == "Failed"; }, 10s))
      << agent.agentLog();
  EXPECT_EQ(statusField(agent, "newcomer", "message"),
            "Pod was rejected: The node had condition: [DiskPressure]. ");

  std::filesystem::remove(agent.rootDir() + "/fill");
  const auto freed = std::chrono::steady_clock::now();
  // Held for the transition period (3 s), then False; the refused pod is admitted then.
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(conditionIs(agent, "DiskPressure", "True"))
      << "released before its transition period";
  ASSERT_TRUE(waitFor([&] { return conditionIs(agent, "DiskPressure", "False"); }, 10s))
      << agent.get("/node").body;
  // The last pass that saw the file may have run up to one interval before it went.
  EXPECT_GE(std::chrono::steady_clock::now() - freed, 2s);
  ASSERT_TRUE(waitFor([&] { return phase(agent, "newcomer") == "Running"; }, 15s))
      << agent.agentLog();
}

// Bytes free on the filesystem holding path.
uint64_t freeBytes(const std::string& path) { return std::filesystem::space(path).available; }

// The pod that fills the disk: 10 MiB in a disk-backed emptyDir and 10 MiB in its writable
// layer, and 1 MiB in a memory-backed emptyDir (not the disk's), then sleeps.
std::string diskFiller() {
  return R"(apiVersion: v1
kind: Pod
metadata: {name: filler, uid: e2e-pressure-filler}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "echo filling; dd if=/dev/zero of=/scratch/a bs=1M count=10; dd if=/dev/zero of=/layer bs=1M count=10; dd if=/dev/zero of=/mem/a bs=1M count=1; echo full; sleep 100000"]
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: mem, mountPath: /mem}
  volumes:
  - name: scratch
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory}
)";
}

// A pod filling nodefs is evicted, and its eviction frees what it wrote (volumes, writable
// layer): free space comes back, DiskPressure clears after the transition period, and the pod
// stays Failed/Evicted with its container's last state and its logs, never admitted again.
TEST(NodePressure, EvictedPodFreesItsDiskAndStaysFailedWithItsStatusAndLogs) {
  AgentHarness agent;
  std::filesystem::create_directories(agent.rootDir());
  ASSERT_EQ(::mount("tmpfs", agent.rootDir().c_str(), "tmpfs", 0, "size=32m,mode=0700"), 0);
  agent.start({"--eviction-hard", "nodefs.available<16Mi", "--eviction-monitoring-interval",
               "500ms", "--eviction-pressure-transition-period", "5s"});
  ASSERT_TRUE(waitFor([&] { return conditionIs(agent, "DiskPressure", "False"); }, 10s))
      << agent.get("/node").body;
  const uint64_t freeBefore = freeBytes(agent.rootDir());
  agent.dropManifest("filler.yaml", diskFiller());

  ASSERT_TRUE(waitFor([&] { return phase(agent, "filler") == "Failed"; }, 30s)) << agent.agentLog();
  EXPECT_EQ(statusField(agent, "filler", "reason"), "Evicted");
  const std::string message = statusField(agent, "filler", "message");
  EXPECT_EQ(message.rfind("The node was low on resource: ephemeral-storage. ", 0), 0u) << message;
  EXPECT_TRUE(conditionIs(agent, "DiskPressure", "True")) << agent.get("/node").body;

  // Freed: the free space comes back (all but a little: the pod's logs stay on this disk only
  // when the log directory is there, and it is not).
  ASSERT_TRUE(waitFor([&] { return freeBytes(agent.rootDir()) + (1u << 20) >= freeBefore; }, 20s))
      << "free " << freeBytes(agent.rootDir()) << " of " << freeBefore << " before\n"
      << agent.agentLog();
  const std::string podData = agent.rootDir() + "/pods/e2e-pressure-filler";
  EXPECT_FALSE(std::filesystem::exists(podData + "/volumes/scratch"));
  EXPECT_FALSE(std::filesystem::exists(podData + "/containers/app/upper"));
  // The memory-backed emptyDir was unmounted: no tmpfs of the pod is left in the mount table.
  EXPECT_EQ(readFile("/proc/self/mountinfo").find("e2e-pressure-filler"), std::string::npos);

  // DiskPressure clears, but only after its transition period (5 s, counted from the last pass
  // that saw the threshold met: before the release began).
  const auto freedAt = std::chrono::steady_clock::now();
  ASSERT_TRUE(waitFor([&] { return conditionIs(agent, "DiskPressure", "False"); }, 10s))
      << agent.get("/node").body;
  EXPECT_GE(std::chrono::steady_clock::now() - freedAt, 2s) << "released before its transition";

  // Failed for good, with its container's last state: not admitted again, during the pressure
  // (checked by the resyncs above) nor after it.
  std::this_thread::sleep_for(1500ms);
  auto pod = podJson(agent, "filler");
  auto app = containerStatus(pod, "app");
  ASSERT_TRUE(app.is_object()) << pod.dump();
  ASSERT_TRUE(app["state"].contains("terminated")) << app.dump();
  const int code = app["state"]["terminated"].value("exitCode", -1);
  EXPECT_TRUE(code == 137 || code == 143) << app.dump();  // SIGKILL or SIGTERM
  EXPECT_EQ(phase(agent, "filler"), "Failed");
  EXPECT_EQ(statusField(agent, "filler", "reason"), "Evicted");
  EXPECT_EQ(app.value("restartCount", -1), 0) << app.dump();
  EXPECT_EQ(metric(agent, "kubelet_evictions{eviction_signal=\"nodefs.available\"}"), 1);
  // Its log stays for `podkeeper logs`.
  const std::string log =
      readFile(agent.logDir() + "/default_filler_e2e-pressure-filler/app/0.log");
  EXPECT_NE(log.find("filling"), std::string::npos) << log;

  // Its manifest gone, the rest of it goes: its logs too.
  agent.removeManifest("filler.yaml");
  ASSERT_TRUE(waitFor(
      [&] {
        return !std::filesystem::exists(agent.logDir() + "/default_filler_e2e-pressure-filler");
      },
      15s))
      << agent.agentLog();
  EXPECT_FALSE(std::filesystem::exists(podData));
}

}  // namespace
}  // namespace podkeeper::e2e
