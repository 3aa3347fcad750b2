#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class Lifecycle : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  pid_t waitForInit(const PodYaml& pod, std::chrono::milliseconds timeout = 10s) {
    pid_t pid = 0;
    waitFor([&] { return (pid = initPid(agent.memoryCgroupDir(pod.cgroup()))) > 0; }, timeout);
    return pid;
  }
  std::string log(const PodYaml& pod, int restart = 0) {
    return readFile(agent.logFile("default", pod.name, pod.uid, pod.container, restart));
  }
  bool podGone(const PodYaml& pod) {
    return !cgroupExistsAnywhere(agent.cgroupRoot(), pod.podCgroup()) &&
           !exists(agent.stateDir() + "/pods/" + pod.uid);
  }

  AgentHarness agent;
};

TEST_F(Lifecycle, ContainerRunsAsPid1InItsOwnNamespacesAndCgroupsWithItsLimits) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  pid_t pid = waitForInit(pod);
  ASSERT_GT(pid, 0) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return log(pod).find("pid 1") != std::string::npos; }, 5s)) << log(pod);
  for (const char* ns : {"pid", "mnt", "uts", "ipc", "net", "cgroup"})
    EXPECT_NE(nsId(pid, ns), nsId(::getpid(), ns)) << ns;
  auto cg = [&](const std::string& ctl, const std::string& file) {
    std::string v = readFile(agent.cgroupDir(ctl, pod.cgroup()) + "/" + file);
    return v.substr(0, v.find('\n'));
  };
  EXPECT_EQ(cg("memory", "memory.limit_in_bytes"), std::to_string(64 << 20));
  EXPECT_EQ(cg("cpu", "cpu.cfs_quota_us"), "50000");
  EXPECT_EQ(cg("cpu", "cpu.shares"), "102");
  std::string procCgroup = readFile("/proc/" + std::to_string(pid) + "/cgroup");
  EXPECT_NE(procCgroup.find(":memory:/" + agent.cgroupRoot() + "/" + pod.cgroup()),
            std::string::npos)
      << procCgroup;
  EXPECT_NE(procCgroup.find("0::/" + agent.cgroupRoot() + "/" + pod.cgroup()), std::string::npos)
      << procCgroup;
}

TEST_F(Lifecycle, DeletingTheManifestStopsTheContainerAndRemovesEverything) {
  PodYaml pod;
  pod.script = "trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 1 & wait $!; done";
  agent.dropManifest("web.yaml", pod.str());
  pid_t pid = waitForInit(pod);
  ASSERT_GT(pid, 0) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return log(pod).find("up") != std::string::npos; }, 5s));
  // The log goes with the pod: read it through a descriptor opened before the delete.
  std::ifstream logBeforeDelete(agent.logFile("default", pod.name, pod.uid, pod.container, 0));
  agent.removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return podGone(pod); }, 10s)) << agent.agentLog();
  EXPECT_FALSE(alive(pid));
  std::stringstream logText;
  logText << logBeforeDelete.rdbuf();
  EXPECT_NE(logText.str().find("got TERM"), std::string::npos) << "not stopped with SIGTERM";
  EXPECT_TRUE(mountsUnder(agent.stateDir() + "/pods").empty());
}

TEST_F(Lifecycle, ContainerIgnoringSigtermIsKilledWhenItsGracePeriodEnds) {
  PodYaml pod;
  pod.grace = 2;
  pod.script = "trap '' TERM; echo up; while true; do sleep 1; done";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_GT(waitForInit(pod), 0) << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return log(pod).find("up") != std::string::npos; }, 5s));
  auto t0 = std::chrono::steady_clock::now();
  agent.removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return podGone(pod); }, 10s)) << agent.agentLog();
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, 1900ms) << "killed before the grace period ended";
  EXPECT_LE(took, 3000ms + 1500ms) << "not gone within grace + 1 s (plus polling slack)";
}

TEST_F(Lifecycle, EditingTheManifestRecreatesThePodWithTheNewSpec) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  pid_t before = waitForInit(pod);
  ASSERT_GT(before, 0) << agent.agentLog();
  pod.grace = 1;
  pod.script = "echo second version; while true; do sleep 1; done";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return log(pod).find("second version") != std::string::npos; }, 15s))
      << agent.agentLog();
  pid_t after = waitForInit(pod);
  EXPECT_GT(after, 0);
  EXPECT_NE(after, before);
  EXPECT_FALSE(alive(before));
}

TEST_F(Lifecycle, ExitedContainerIsRestartedWithoutSpinning) {
  PodYaml pod;
  pod.script = "echo run; exit 1";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return log(pod, 1).find("run") != std::string::npos; }, 10s))
      << agent.agentLog();
  // After the first restart the crash-loop back-off (10 s) applies: no third run yet.
  std::this_thread::sleep_for(3s);
  EXPECT_FALSE(exists(agent.logFile("default", pod.name, pod.uid, pod.container, 2)));
  EXPECT_NE(agent.agentLog().find("restarting container app"), std::string::npos);
}

TEST_F(Lifecycle, BrokenEditLeavesThePodRunningOnItsLastGoodSpec) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  pid_t pid = waitForInit(pod);
  ASSERT_GT(pid, 0) << agent.agentLog();
  agent.writeManifestInPlace("web.yaml", pod.str() + "    resources: [this is not: valid\n");
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.get("/metrics").body.find("podkeeper_manifest_errors 1") != std::string::npos;
      },
      10s))
      << agent.get("/metrics").body;
  std::this_thread::sleep_for(2500ms);  // a relist and a resync pass
  EXPECT_EQ(waitForInit(pod, 1s), pid);
  EXPECT_NE(agent.agentLog().find("web.yaml"), std::string::npos);
}

TEST_F(Lifecycle, RestartedAgentAdoptsRunningContainersWithoutRestartingThem) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  pid_t pid = waitForInit(pod);
  ASSERT_GT(pid, 0) << agent.agentLog();
  agent.stop();
  EXPECT_TRUE(alive(pid)) << "the container died with the agent";
  agent.start();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(waitForInit(pod, 1s), pid);
  EXPECT_FALSE(exists(agent.logFile("default", pod.name, pod.uid, pod.container, 1)));
}

TEST_F(Lifecycle, KilledAgentAdoptsRunningContainersWithoutRestartingThem) {
  PodYaml pod;
  agent.dropManifest("web.yaml", pod.str());
  pid_t pid = waitForInit(pod);
  ASSERT_GT(pid, 0) << agent.agentLog();
  ::kill(agent.agentPid(), SIGKILL);
  agent.stop();  // reaps it
  EXPECT_TRUE(alive(pid));
  agent.start();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(waitForInit(pod, 1s), pid);
}

TEST_F(Lifecycle, InitContainersRunInOrderBeforeTheAppAndShareAnEmptyDir) {
  agent.dropManifest("init.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: init, uid: init-uid}
spec:
  terminationGracePeriodSeconds: 1
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - {name: first, image: busybox, command: [sh, -c, "echo first >> /work/order"],
     volumeMounts: [{name: work, mountPath: /work}]}
  - {name: second, image: busybox, command: [sh, -c, "sleep 1; echo second >> /work/order"],
     volumeMounts: [{name: work, mountPath: /work}]}
  containers:
  - {name: app, image: busybox, command: [sh, -c, "cat /work/order; sleep 3600"],
     volumeMounts: [{name: work, mountPath: /work, readOnly: true}]}
)");
  std::string appLog = agent.logFile("default", "init", "init-uid", "app", 0);
  ASSERT_TRUE(waitFor([&] { return readFile(appLog).find("second") != std::string::npos; }, 15s))
      << agent.agentLog();
  std::string log = readFile(appLog);
  EXPECT_LT(log.find("first"), log.find("second")) << log;
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Not on the node and not to be pulled (pulls from a registry have their own suite): the
// container waits with ErrImageNeverPull, said once, and nothing starts.
TEST_F(Lifecycle, MissingImageIsReportedAndWaitsWithoutStartingAnything) {
  PodYaml pod;
  pod.image = "nosuch:1.0";
  pod.imagePullPolicy = "Never";
  agent.dropManifest("web.yaml", pod.str());
  const std::string said =
      "Container image \"nosuch:1.0\" is not present with pull policy of Never";
  ASSERT_TRUE(waitFor([&] { return count(agent.agentLog(), said) >= 1; }, 8s)) << agent.agentLog();
  ASSERT_TRUE(waitFor(
      [&] {
        return agent.get("/pods/default/web").body.find("ErrImageNeverPull") != std::string::npos;
      },
      8s));
  EXPECT_EQ(count(agent.agentLog(), said), 1u) << agent.agentLog();
  EXPECT_EQ(initPid(agent.memoryCgroupDir(pod.cgroup())), 0);
}

}  // namespace
}  // namespace podkeeper::e2e
