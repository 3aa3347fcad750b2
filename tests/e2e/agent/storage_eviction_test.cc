#include <gtest/gtest.h>

#include <thread>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// Local ephemeral storage: a pod writing past its emptyDir sizeLimit or its containers'
// ephemeral-storage limit is evicted as the kubelet evicts it; its neighbours run on.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

// A pod whose container writes `mib` MiB into an emptyDir (sizeLimit given) then sleeps.
std::string writerPod(const std::string& name, const std::string& uid, int mib,
                      const std::string& sizeLimit, const std::string& storageLimit = "") {
  PodYaml pod;
  pod.name = name;
  pod.uid = uid;
  pod.grace = 1;
  pod.script = "head -c " + std::to_string(mib << 20) +
               " /dev/zero > /scratch/fill; echo wrote; while true; do sleep 1; done";
  std::string yaml = pod.str();
  if (!storageLimit.empty()) {
    const auto at = yaml.find("memory: " + pod.memoryLimit + "}");
    yaml.replace(at, std::string("memory: " + pod.memoryLimit + "}").size(),
                 "memory: " + pod.memoryLimit + ", ephemeral-storage: " + storageLimit + "}");
  }
  yaml += "    volumeMounts:\n    - {name: scratch, mountPath: /scratch}\n";
  yaml += "  volumes:\n  - name: scratch\n    emptyDir: {" +
          (sizeLimit.empty() ? std::string() : "sizeLimit: " + sizeLimit) + "}\n";
  return yaml;
}

bool running(const AgentHarness& agent, const std::string& name) {
  auto s = containerStatus(podJson(agent, name), "app");
  return s.is_object() && s["state"].contains("running");
}

TEST(StorageEviction, PodWritingPastItsEmptyDirSizeLimitIsEvictedAndItsNeighbourRunsOn) {
  AgentHarness agent;
  agent.start();
  PodYaml quiet;
  quiet.name = "quiet";
  quiet.uid = "e2e-quiet";
  agent.dropManifest("quiet.yaml", quiet.str());
  agent.dropManifest("filler.yaml", writerPod("filler", "e2e-filler", 3, "1Mi"));
  ASSERT_TRUE(waitFor([&] { return running(agent, "quiet"); }, 10s)) << agent.agentLog();
  const pid_t quietPid = initPid(agent.memoryCgroupDir(quiet.cgroup()));
  ASSERT_GT(quietPid, 0);

  ASSERT_TRUE(waitFor([&] { return podJson(agent, "filler")["status"]["phase"] == "Failed"; }, 20s))
      << agent.agentLog();
  auto status = podJson(agent, "filler")["status"];
  EXPECT_EQ(status["reason"], "Evicted");
  EXPECT_EQ(status["message"], "Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ");
  EXPECT_NE(agent.get("/pods/default/filler/events").body.find("Evicted"), std::string::npos);
  ASSERT_TRUE(waitFor([&] { return !running(agent, "filler"); }, 5s)) << agent.agentLog();

  std::this_thread::sleep_for(2500ms);  // a relist and a resync: it stays evicted
  EXPECT_EQ(podJson(agent, "filler")["status"]["phase"], "Failed");
  EXPECT_FALSE(running(agent, "filler"));
  EXPECT_TRUE(running(agent, "quiet"));
  EXPECT_EQ(initPid(agent.memoryCgroupDir(quiet.cgroup())), quietPid) << "the neighbour restarted";
}

TEST(StorageEviction, PodWritingPastItsContainersEphemeralStorageLimitIsEvicted) {
  AgentHarness agent;
  agent.start();
  agent.dropManifest("filler.yaml", writerPod("filler", "e2e-filler2", 3, "", "1Mi"));
  ASSERT_TRUE(waitFor([&] { return podJson(agent, "filler")["status"]["phase"] == "Failed"; }, 20s))
      << agent.agentLog();
  auto status = podJson(agent, "filler")["status"];
  EXPECT_EQ(status["reason"], "Evicted");
  EXPECT_EQ(status["message"],
            "Pod ephemeral local storage usage exceeds the total limit of containers 1Mi. ");
}

TEST(StorageEviction, PodWithinItsLimitsKeepsRunning) {
  AgentHarness agent;
  agent.start();
  agent.dropManifest("filler.yaml", writerPod("filler", "e2e-filler3", 1, "4Mi", "8Mi"));
  ASSERT_TRUE(waitFor([&] { return running(agent, "filler"); }, 10s)) << agent.agentLog();
  std::this_thread::sleep_for(5s);  // two resyncs measured it
  EXPECT_EQ(podJson(agent, "filler")["status"]["phase"], "Running") << agent.agentLog();
}

}  // namespace
}  // namespace podkeeper::e2e
