#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/e2e/agent/pod_yaml.h"

// In-place resize through the real agent: the manifest file's resources are edited and the
// running container's cgroups change under it (same init, same container, no restart), as
// the kubelet does for resizePolicy NotRequired; RestartContainer restarts that container; a
// memory limit below what the container uses is not applied.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// cgroup files of the pod's container and pod, v1 or v2, whichever this machine runs.
class Resize : public ::testing::Test {
 protected:
  void SetUp() override { agent.start(); }

  bool v2() const { return ::access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0; }
  std::string memoryLimitFile(const std::string& relative) const {
    return v2() ? agent.cgroupDir("", relative) + "/memory.max"
                : agent.memoryCgroupDir(relative) + "/memory.limit_in_bytes";
  }
  std::string cpuQuota(const std::string& relative) const {
    if (v2()) {
      auto max = readFile(agent.cgroupDir("", relative) + "/cpu.max");
      return max.substr(0, max.find(' '));
    }
    auto q = readFile(agent.cgroupDir("cpu", relative) + "/cpu.cfs_quota_us");
    return q.substr(0, q.find('\n'));
  }
  std::string memoryLimit(const std::string& relative) const {
    auto l = readFile(memoryLimitFile(relative));
    return l.substr(0, l.find('\n'));
  }
  json status() const { return containerStatus(podJson(agent, pod.name), pod.container); }
  bool running() const {
    auto s = status();
    return s.is_object() && s["state"].contains("running");
  }
  void startPod(const std::string& extra = "") {
    agent.dropManifest("web.yaml", pod.str() + extra);
    ASSERT_TRUE(waitFor([&] { return running(); }, 30s)) << agent.agentLog();
    pid = initPid(cgroup());
    containerId = status()["containerID"].get<std::string>();
    ASSERT_GT(pid, 0);
  }
  std::string cgroup() const {
    return v2() ? agent.cgroupDir("", pod.cgroup()) : agent.memoryCgroupDir(pod.cgroup());
  }
  // The pod as the agent shows it: still the same container, never restarted.
  void expectUndisturbed() {
    auto s = status();
    EXPECT_EQ(s["restartCount"], 0) << s.dump();
    EXPECT_EQ(s["containerID"], containerId) << s.dump();
    EXPECT_EQ(initPid(cgroup()), pid);
  }
  bool podCondition(const std::string& type, const std::string& reason) const {
    auto p = podJson(agent, pod.name);
    if (!p.is_object()) return false;
    for (const auto& c : p["status"]["conditions"])
      if (c["type"] == type && c.value("reason", "") == reason) return true;
    return false;
  }

  AgentHarness agent;
  PodYaml pod;
  pid_t pid = 0;
  std::string containerId;
};

TEST_F(Resize, AMemoryLimitIncreaseIsAppliedInPlace) {
  startPod();
  EXPECT_EQ(memoryLimit(pod.cgroup()), std::to_string(64 << 20));
  pod.memoryLimit = "128Mi";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return memoryLimit(pod.cgroup()) == std::to_string(128 << 20); }, 20s))
      << memoryLimit(pod.cgroup()) << "\n"
      << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return status()["resources"]["limits"]["memory"] == "128Mi"; }, 10s))
      << status().dump();
  expectUndisturbed();
  // The pod cgroup holds the sum of its containers' limits.
  EXPECT_EQ(memoryLimit(pod.podCgroup()), std::to_string(128 << 20));
}

TEST_F(Resize, ACpuLimitChangeRewritesTheQuotaInPlace) {
  startPod();
  EXPECT_EQ(cpuQuota(pod.cgroup()), "50000");
  pod.cpuLimit = "1";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return cpuQuota(pod.cgroup()) == "100000"; }, 20s))
      << cpuQuota(pod.cgroup()) << "\n"
      << agent.agentLog();
  ASSERT_TRUE(waitFor([&] { return status()["resources"]["limits"]["cpu"] == "1"; }, 10s))
      << status().dump();
  expectUndisturbed();
}

TEST_F(Resize, RestartContainerPolicyRestartsTheContainerWithTheNewLimit) {
  const std::string policy =
      "    resizePolicy:\n    - {resourceName: memory, restartPolicy: RestartContainer}\n";
  startPod(policy);
  pod.memoryLimit = "96Mi";
  agent.dropManifest("web.yaml", pod.str() + policy);
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = status();
        return s.is_object() && s["restartCount"] == 1 && s["state"].contains("running");
      },
      30s))
      << status().dump() << "\n"
      << agent.agentLog();
  EXPECT_EQ(memoryLimit(pod.cgroup()), std::to_string(96 << 20));
  EXPECT_NE(initPid(cgroup()), pid);
}

TEST_F(Resize, AMemoryLimitBelowUsageIsNotAppliedAndThePodRunsOn) {
  // 40 MiB in the pod's /dev/shm (tmpfs pages are charged to the writer's memory cgroup).
  pod.script =
      "dd if=/dev/zero of=/dev/shm/fill bs=1048576 count=40 && echo filled; "
      "while true; do sleep 1; done";
  startPod();
  ASSERT_TRUE(waitFor(
      [&] {
        return readFile(agent.logFile("default", pod.name, pod.uid, pod.container, 0))
                   .find("filled") != std::string::npos;
      },
      20s))
      << agent.agentLog();
  pod.memoryLimit = "32Mi";
  agent.dropManifest("web.yaml", pod.str());
  ASSERT_TRUE(waitFor([&] { return podCondition("PodResizeInProgress", "Error"); }, 20s))
      << podJson(agent, pod.name).dump() << "\n"
      << agent.agentLog();
  EXPECT_EQ(memoryLimit(pod.cgroup()), std::to_string(64 << 20));
  EXPECT_EQ(status()["resources"]["limits"]["memory"], "64Mi");
  expectUndisturbed();
}

// The documentation's resize-demo (manifests/examples/kubernetes-docs), with busybox for the
// pause image: its cpu patch is applied in place, its memory patch restarts the container.
std::string docPod(const std::string& file) {
  std::string text =
      readFile(std::string(PK_SOURCE_DIR) + "/manifests/examples/kubernetes-docs/" + file);
  const std::string pause = "image: registry.k8s.io/pause:3.8";
  if (auto at = text.find(pause); at != std::string::npos)
    text.replace(at, pause.size(), "image: busybox\n    command: [sleep, '3600']");
  return text;
}

TEST_F(Resize, TheDocumentationsResizeDemoIsResizedNotRecreated) {
  agent.dropManifest("resize-demo.yaml", docPod("k8s-doc-resize-policy.yaml"));
  auto demo = [&] { return containerStatus(podJson(agent, "resize-demo"), "pause"); };
  ASSERT_TRUE(
      waitFor([&] { return demo().is_object() && demo()["state"].contains("running"); }, 30s))
      << agent.agentLog();
  const auto uid = podJson(agent, "resize-demo")["metadata"]["uid"].get<std::string>();
  const std::string cgroup = "pod" + uid + "/pause";  // Guaranteed
  EXPECT_EQ(cpuQuota(cgroup), "70000");
  agent.dropManifest("resize-demo.yaml", docPod("k8s-doc-resize-policy-patched.yaml"));
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = demo();
        return s.is_object() && s["restartCount"] == 1 && s["state"].contains("running");
      },
      30s))
      << demo().dump() << agent.agentLog();
  EXPECT_EQ(cpuQuota(cgroup), "80000");
  EXPECT_EQ(memoryLimit(cgroup), std::to_string(300 << 20));
  EXPECT_EQ(podJson(agent, "resize-demo")["metadata"]["uid"], uid);
  EXPECT_EQ(demo()["resources"]["limits"]["memory"], "300Mi");
}

}  // namespace
}  // namespace podkeeper::e2e
