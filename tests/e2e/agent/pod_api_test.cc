#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/support/text.h"

// Issue 19 through the real agent: the documentation-shaped manifests of the corpus that this
// node can run, run (fileKeyRef, projected downwardAPI, extended resources, pod-level
// resources), and an extended resource the node lacks is refused with OutOf<resource>.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

std::string corpus(const std::string& name) {
  std::string text =
      readFile(std::string(PK_SOURCE_DIR) + "/manifests/examples/kubernetes-docs/" + name);
  // The test images are busybox:latest only.
  for (size_t at; (at = text.find("busybox:1.36")) != std::string::npos;)
    text.replace(at, 12, "busybox");
  return text;
}

class PodApi : public ::testing::Test {
 protected:
  void SetUp() override { agent.start({"--extended-resource", "example.com/dongle=4"}); }

  std::string phase(const std::string& pod, const std::string& ns = "default") const {
    auto j = podJson(agent, pod, ns);
    if (!j.is_object() || !j.contains("status")) return "";
    return j["status"].value("phase", "");
  }
  std::string log(const std::string& pod, const std::string& container,
                  const std::string& ns = "default") const {
    auto j = podJson(agent, pod, ns);
    if (!j.is_object()) return "";
    const std::string uid = j["metadata"].value("uid", "");
    return readFile(agent.logFile(ns, pod, uid, container, 0));
  }

  AgentHarness agent;
};

TEST_F(PodApi, FileKeyRefReadsTheEnvFileTheInitContainerWrote) {
  agent.dropManifest("envfile.yaml", corpus("k8s-doc-envfile.yaml"));
  ASSERT_TRUE(waitFor([&] { return phase("envfile-test-pod") == "Succeeded"; }, 20s))
      << podJson(agent, "envfile-test-pod").dump(2) << agent.agentLog();
  const std::string out = log("envfile-test-pod", "use-envfile");
  EXPECT_NE(out.find(" F DB_ADDRESS=address\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("NOT_THERE"), std::string::npos) << out;
}

TEST_F(PodApi, ProjectedDownwardApiVolumeAndServiceAccountNameAreServed) {
  agent.dropManifest("projected.yaml", corpus("k8s-doc-projected-downwardapi.yaml"));
  std::string out;
  ASSERT_TRUE(waitFor(
      [&] {
        out = log("volume-test", "container-test");
        return out.find("sa=") != std::string::npos;
      },
      20s))
      << out << agent.agentLog();
  EXPECT_NE(out.find(" F cluster=\"test-cluster1\"\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" F 250\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" F sa=build-robot\n"), std::string::npos) << out;
  EXPECT_NE(out.find("-r--r-----"), std::string::npos) << out;  // labels: defaultMode 0440
  EXPECT_NE(out.find("-r--------"), std::string::npos) << out;  // cpu_limit: mode 0400
}

TEST_F(PodApi, ExtendedResourcesAreAdmittedUpToWhatTheNodeAdvertises) {
  agent.dropManifest("dongle.yaml", corpus("k8s-doc-extended-resource.yaml"));
  ASSERT_TRUE(waitFor([&] { return phase("extended-resource-demo") == "Running"; }, 20s))
      << podJson(agent, "extended-resource-demo").dump(2) << agent.agentLog();
  // 3 of 4 dongles are taken: a second pod asking for 2 is refused, the first keeps running.
  std::string second = corpus("k8s-doc-extended-resource.yaml");
  const std::string first = "name: extended-resource-demo\n";
  second.replace(second.find(first), first.size(), "name: second-dongle-pod\n");
  for (size_t at; (at = second.find("dongle: 3")) != std::string::npos;)
    second.replace(at, 9, "dongle: 2");
  agent.dropManifest("second.yaml", second);
  ASSERT_TRUE(waitFor([&] { return phase("second-dongle-pod") == "Failed"; }, 20s))
      << podJson(agent, "second-dongle-pod").dump(2) << agent.agentLog();
  auto pod = podJson(agent, "second-dongle-pod");
  EXPECT_EQ(pod["status"].value("reason", ""), "OutOfexample.com/dongle") << pod.dump(2);
  EXPECT_NE(pod["status"].value("message", "").find("requested: 2, used: 3, capacity: 4"),
            std::string::npos)
      << pod.dump(2);
  EXPECT_EQ(phase("extended-resource-demo"), "Running");
}

TEST_F(PodApi, PodLevelResourcesLimitThePodCgroupAndSetItsQosClass) {
  agent.dropManifest("podres.yaml", corpus("k8s-doc-pod-level-resources.yaml"));
  const std::string ns = "pod-resources-example";
  ASSERT_TRUE(waitFor([&] { return phase("pod-resources-demo", ns) == "Running"; }, 20s))
      << podJson(agent, "pod-resources-demo", ns).dump(2) << agent.agentLog();
  auto pod = podJson(agent, "pod-resources-demo", ns);
  EXPECT_EQ(pod["status"].value("qosClass", ""), "Burstable") << pod.dump(2);
  const std::string uid = pod["metadata"].value("uid", "");
  const std::string dir = agent.memoryCgroupDir("burstable/pod" + uid);
  EXPECT_EQ(readFile(dir + "/memory.limit_in_bytes"), std::to_string(200 << 20) + "\n");
}

// This kernel has no AppArmor: as the kubelet, the pod is refused with reason AppArmor and
// nothing of it runs.
TEST_F(PodApi, AppArmorProfileIsRefusedOnAHostWithoutAppArmor) {
  ASSERT_FALSE(std::filesystem::exists("/sys/module/apparmor/parameters/enabled") &&
               readFile("/sys/module/apparmor/parameters/enabled") == "Y\n")
      << "this test needs a host without AppArmor";
  agent.dropManifest("apparmor.yaml", corpus("k8s-doc-apparmor.yaml"));
  ASSERT_TRUE(waitFor([&] { return phase("hello-apparmor") == "Failed"; }, 20s))
      << podJson(agent, "hello-apparmor").dump(2) << agent.agentLog();
  auto pod = podJson(agent, "hello-apparmor");
  EXPECT_EQ(pod["status"].value("reason", ""), "AppArmor") << pod.dump(2);
  EXPECT_NE(pod["status"].value("message", "").find("AppArmor is not enabled on the host"),
            std::string::npos)
      << pod.dump(2);
}

// Unconfined needs no AppArmor on the host: the kubelet admits it and the container runs
// with no profile set for its exec (the field and the annotation agreeing).
TEST_F(PodApi, AppArmorUnconfinedRunsOnAHostWithoutAppArmor) {
  agent.dropManifest("unconfined.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: unconfined
  annotations:
    container.apparmor.security.beta.kubernetes.io/app: unconfined
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "cat /proc/self/attr/current 2>&1; echo; sleep 1h"]
    securityContext:
      appArmorProfile: {type: Unconfined}
)");
  ASSERT_TRUE(waitFor([&] { return phase("unconfined") == "Running"; }, 20s))
      << podJson(agent, "unconfined").dump(2) << agent.agentLog();
}

// The docs' user: uid 1000 listed by the image's /etc/group in group 50000. Merge (the
// default) adds 50000 to the pod's groups as containerd does; Strict leaves it out. Both
// report what the container runs as in status.containerStatuses[].user.linux.
TEST_F(PodApi, SupplementalGroupsPolicyMergesTheImagesGroupsUnlessStrict) {
  const std::string etc = agent.imageDir() + "/busybox/latest/rootfs/etc/";
  support::writeTextAtomically(
      etc + "passwd",
      readFile(etc + "passwd") + "user-defined-in-image:x:1000:1000::/home:/bin/sh\n");
  support::writeTextAtomically(
      etc + "group",
      readFile(etc + "group") + "group-defined-in-image:x:50000:user-defined-in-image\n");
  agent.dropManifest("groups.yaml", corpus("k8s-doc-supplementalgroups-policy.yaml"));
  for (const auto& [pod, groups] : std::vector<std::pair<std::string, std::string>>{
           {"implicit-groups", "3000,4000,50000"},
           {"strict-supplementalgroups-policy", "3000,4000"}}) {
    ASSERT_TRUE(waitFor([&] { return log(pod, "ctr").find("uid=") != std::string::npos; }, 20s))
        << podJson(agent, pod).dump(2) << agent.agentLog();
    const std::string out = log(pod, "ctr");
    EXPECT_NE(
        out.find("uid=1000(user-defined-in-image) gid=3000 groups=" +
                 std::string(pod == "implicit-groups" ? "3000,4000,50000(group-defined-in-image)"
                                                      : "3000,4000")),
        std::string::npos)
        << out;
    // The container prints before the agent has read its start back (the shim's answer
    // comes after the exec): the status follows within moments.
    nlohmann::json status;
    ASSERT_TRUE(waitFor(
        [&] {
          status = podJson(agent, pod)["status"]["containerStatuses"][0];
          return status.contains("user");
        },
        10s))
        << status.dump(2);
    EXPECT_EQ(status["user"]["linux"]["uid"], 1000) << status.dump(2);
    EXPECT_EQ(status["user"]["linux"]["gid"], 3000) << status.dump(2);
    std::string got;
    for (const auto& g : status["user"]["linux"]["supplementalGroups"])
      got += (got.empty() ? "" : ",") + std::to_string(g.get<int64_t>());
    EXPECT_EQ(got, groups) << status.dump(2);
  }
}

}  // namespace
}  // namespace podkeeper::e2e
