#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/machine_probe.h"
#include "tests/e2e/agent/pod_probe.h"

// A sidecar init container: starts before the next init container, keeps running beside the
// app, restarts when killed, and is stopped when a Never pod completes.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

const char* kPod = R"(apiVersion: v1
kind: Pod
metadata: {name: side, uid: side-uid}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 2
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - name: proxy
    image: busybox
    restartPolicy: Always
    command: [sh, -c, "echo proxy up >> /work/order; trap 'exit 0' TERM; while true; do sleep 0.2; done"]
    volumeMounts: [{name: work, mountPath: /work}]
  - name: setup
    image: busybox
    command: [sh, -c, "echo setup >> /work/order"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: app
    image: busybox
    command: [sh, -c, "cat /work/order; while [ ! -e /work/done ]; do sleep 0.2; done; echo app done"]
    volumeMounts: [{name: work, mountPath: /work}]
)";

TEST(Sidecar, KeepsRunningRestartsWhenKilledAndStopsWhenTheNeverPodCompletes) {
  AgentHarness agent;
  agent.start();
  agent.dropManifest("side.yaml", kPod);
  const std::string appLog = agent.logFile("default", "side", "side-uid", "app", 0);
  ASSERT_TRUE(waitFor([&] { return readFile(appLog).find("setup") != std::string::npos; }, 15s))
      << agent.agentLog();
  const std::string order = readFile(appLog);
  EXPECT_LT(order.find("proxy up"), order.find("setup")) << order;

  ASSERT_TRUE(waitFor(
      [&] {
        auto row = runCli(agent, "get pods").output;
        return row.find(" 2/2 ") != std::string::npos && row.find(" Running ") != std::string::npos;
      },
      10s))
      << runCli(agent, "get pods").output;
  auto pod = podJson(agent, "side");
  auto proxy = containerStatus(pod, "proxy");
  EXPECT_EQ(proxy["started"], true) << proxy.dump();
  EXPECT_EQ(proxy["ready"], true);
  for (const auto& c : pod["status"]["conditions"])
    if (c["type"] == "Initialized") {
      EXPECT_EQ(c["status"], "True") << c.dump();
    }

  // Killed from outside: restarted although the pod's policy is Never.
  pid_t proxyPid = initPid(agent.memoryCgroupDir("besteffort/podside-uid/proxy"));
  ASSERT_GT(proxyPid, 0);
  ::kill(proxyPid, SIGKILL);
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "side"), "proxy");
        return s.is_object() && s["restartCount"] == 1 && s["state"].contains("running");
      },
      10s))
      << agent.agentLog();
  EXPECT_EQ(containerStatus(podJson(agent, "side"), "app")["restartCount"], 0);

  // The app completes: the pod is Succeeded and its sidecar stopped, not restarted.
  std::ofstream(agent.rootDir() + "/pods/side-uid/volumes/work/done") << "1";
  ASSERT_TRUE(
      waitFor([&] { return podJson(agent, "side")["status"]["phase"] == "Succeeded"; }, 10s))
      << agent.agentLog();
  ASSERT_TRUE(waitFor(
      [&] {
        auto s = containerStatus(podJson(agent, "side"), "proxy");
        return s.is_object() && s["state"].contains("terminated");
      },
      10s))
      << agent.agentLog();
  std::this_thread::sleep_for(2500ms);  // a resync: still stopped
  auto s = containerStatus(podJson(agent, "side"), "proxy");
  EXPECT_TRUE(s["state"].contains("terminated")) << s.dump();
  EXPECT_EQ(s["restartCount"], 1);
  EXPECT_EQ(initPid(agent.memoryCgroupDir("besteffort/podside-uid/proxy")), 0);
}

}  // namespace
}  // namespace podkeeper::e2e
