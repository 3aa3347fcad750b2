#include <gtest/gtest.h>
#include <sys/mount.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/support/temp_dir.h"

// The last fields of issue 19 through the real agent: mountPropagation, recursiveReadOnly,
// lifecycle.stopSignal, procMount: Unmasked, tcpSocket hooks and os.name.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A mount the test made, lazily unmounted when the test ends (after the agent and its pods).
class HostMount {
 public:
  HostMount() = default;
  HostMount(const HostMount&) = delete;
  HostMount& operator=(const HostMount&) = delete;
  ~HostMount() {
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) ::umount2(it->c_str(), MNT_DETACH);
  }
  // Records path for unmounting, whoever mounts there (the test, or a container).
  void owns(const std::string& path) { paths_.push_back(path); }
  bool tmpfs(const std::string& path) {
    fs::create_directories(path);
    owns(path);
    return ::mount("tmpfs", path.c_str(), "tmpfs", 0, "size=1m") == 0;
  }
  // path a shared bind mount of itself, as / is on a systemd host (this VM's is private).
  bool sharedBind(const std::string& path) {
    owns(path);
    return ::mount(path.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) == 0 &&
           ::mount(nullptr, path.c_str(), nullptr, MS_SHARED, nullptr) == 0;
  }

 private:
  std::vector<std::string> paths_;
};

bool mountedOnHost(const std::string& path) {
  return readFile("/proc/self/mountinfo").find(" " + path + " ") != std::string::npos;
}

bool hasEvent(const AgentHarness& agent, const std::string& pod, const std::string& reason,
              const std::string& text) {
  auto r = agent.get("/pods/default/" + pod + "/events");
  auto list = nlohmann::json::parse(r.body, nullptr, false);
  if (!list.is_object()) return false;
  for (const auto& e : list.value("items", nlohmann::json::array()))
    if (e.value("reason", "") == reason && e.value("message", "").find(text) != std::string::npos)
      return true;
  return false;
}

class PodApiFields : public ::testing::Test {
 protected:
  void SetUp() override { agent.start({"--userns-range", "458752:131072"}); }
  std::string log(const std::string& pod, const std::string& container, int restart = 0) const {
    return readFile(agent.logFile("default", pod, pod + "-uid", container, restart));
  }
  bool logHas(const std::string& pod, const std::string& container, const std::string& text) {
    return waitFor([&] { return log(pod, container).find(text) != std::string::npos; }, 20s);
  }
  std::string hostPathPod(const std::string& name, const std::string& containers,
                          const std::string& specLines = "") const {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", uid: " + name +
           "-uid}\nspec:\n  terminationGracePeriodSeconds: 5\n" + specLines + "  containers:\n" +
           containers + "  volumes:\n  - {name: host, hostPath: {path: " + hostDir + "}}\n";
  }

  // Declared first: destroyed last, after the agent removed its pods.
  support::TempDir hostTmp_{"pk-e2e-propagation"};
  const std::string hostDir = hostTmp_.path();
  HostMount mounts;
  AgentHarness agent;
};

TEST_F(PodApiFields, HostToContainerSeesAMountMadeOnTheHostAndNoneDoesNot) {
  ASSERT_TRUE(mounts.sharedBind(hostDir)) << strerror(errno);
  const std::string waitThenLook =
      "echo ready; while [ ! -e /v/go ]; do sleep 1; done; "
      "if [ -e /v/sub/marker ]; then echo sees-host-mount; else echo blind; fi; sleep 1h";
  agent.dropManifest(
      "prop.yaml",
      hostPathPod("prop",
                  "  - name: slave\n    image: busybox\n    command: [\"sh\", \"-c\", \"" +
                      waitThenLook +
                      "\"]\n    volumeMounts: [{name: host, mountPath: /v, mountPropagation: "
                      "HostToContainer}]\n"
                      "  - name: private\n    image: busybox\n    command: [\"sh\", \"-c\", \"" +
                      waitThenLook + "\"]\n    volumeMounts: [{name: host, mountPath: /v}]\n"));
  ASSERT_TRUE(logHas("prop", "slave", "ready")) << agent.agentLog();
  ASSERT_TRUE(logHas("prop", "private", "ready")) << agent.agentLog();
  // Mounted on the host after both containers started.
  ASSERT_TRUE(mounts.tmpfs(hostDir + "/sub")) << strerror(errno);
  std::ofstream(hostDir + "/sub/marker") << "x";
  std::ofstream(hostDir + "/go") << "x";
  EXPECT_TRUE(logHas("prop", "slave", "sees-host-mount")) << log("prop", "slave");
  EXPECT_TRUE(logHas("prop", "private", "blind")) << log("prop", "private");
}

TEST_F(PodApiFields, BidirectionalMountMadeInAPrivilegedContainerAppearsOnTheHost) {
  ASSERT_TRUE(mounts.sharedBind(hostDir)) << strerror(errno);
  mounts.owns(hostDir + "/inner");  // the container mounts it; the test unmounts it
  agent.dropManifest(
      "bidi.yaml",
      hostPathPod("bidi",
                  "  - name: app\n    image: busybox\n    securityContext: {privileged: true}\n"
                  "    command: [\"sh\", \"-c\", \"mkdir -p /v/inner && mount -t tmpfs none "
                  "/v/inner && echo inside > /v/inner/made-in-container && echo mounted; sleep "
                  "1h\"]\n    volumeMounts: [{name: host, mountPath: /v, mountPropagation: "
                  "Bidirectional}]\n"));
  ASSERT_TRUE(logHas("bidi", "app", "mounted")) << log("bidi", "app") << agent.agentLog();
  EXPECT_TRUE(waitFor([&] { return mountedOnHost(hostDir + "/inner"); }, 5s));
  EXPECT_EQ(readFile(hostDir + "/inner/made-in-container"), "inside\n");
}

TEST_F(PodApiFields, BidirectionalOnAPrivateHostMountFailsWithContainerdsMessage) {
  agent.dropManifest(
      "bidi.yaml",
      hostPathPod("bidi",
                  "  - name: app\n    image: busybox\n    securityContext: {privileged: true}\n"
                  "    command: [\"sleep\", \"1h\"]\n    volumeMounts: [{name: host, mountPath: "
                  "/v, mountPropagation: Bidirectional}]\n"));
  EXPECT_TRUE(waitFor(
      [&] { return agent.agentLog().find("but it is not a shared mount") != std::string::npos; },
      20s))
      << agent.agentLog();
}

TEST_F(PodApiFields, RecursiveReadOnlyMakesASubmountReadOnlyAndDisabledLeavesIt) {
  ASSERT_TRUE(mounts.tmpfs(hostDir + "/sub")) << strerror(errno);
  const std::string tryWrite =
      "if touch /v/sub/x 2>/dev/null; then echo sub-rw; else echo sub-ro; fi; "
      "if touch /v/y 2>/dev/null; then echo top-rw; else echo top-ro; fi; sleep 1h";
  agent.dropManifest(
      "rro.yaml",
      hostPathPod("rro",
                  "  - name: enabled\n    image: busybox\n    command: [\"sh\", \"-c\", \"" +
                      tryWrite +
                      "\"]\n    volumeMounts: [{name: host, mountPath: /v, readOnly: true, "
                      "recursiveReadOnly: Enabled}]\n"
                      "  - name: disabled\n    image: busybox\n    command: [\"sh\", \"-c\", \"" +
                      tryWrite +
                      "\"]\n    volumeMounts: [{name: host, mountPath: /v, readOnly: true, "
                      "recursiveReadOnly: Disabled}]\n"));
  ASSERT_TRUE(logHas("rro", "enabled", "top-")) << agent.agentLog();
  EXPECT_NE(log("rro", "enabled").find("sub-ro"), std::string::npos) << log("rro", "enabled");
  EXPECT_NE(log("rro", "enabled").find("top-ro"), std::string::npos) << log("rro", "enabled");
  ASSERT_TRUE(logHas("rro", "disabled", "top-")) << agent.agentLog();
  EXPECT_NE(log("rro", "disabled").find("sub-rw"), std::string::npos) << log("rro", "disabled");
  EXPECT_NE(log("rro", "disabled").find("top-ro"), std::string::npos) << log("rro", "disabled");
}

TEST_F(PodApiFields, StopSignalIsWhatAGracefulStopSends) {
  agent.dropManifest(
      "stop.yaml",
      hostPathPod("stop",
                  "  - name: app\n    image: busybox\n    lifecycle: {stopSignal: SIGUSR1}\n"
                  "    command: [\"sh\", \"-c\", \"trap 'echo USR1 > /v/got; exit 0' USR1; "
                  "trap 'echo TERM > /v/got; exit 0' TERM; echo ready; while true; do sleep "
                  "0.2; done\"]\n    volumeMounts: [{name: host, mountPath: /v}]\n",
                  "  os: {name: linux}\n"));
  ASSERT_TRUE(logHas("stop", "app", "ready")) << agent.agentLog();
  agent.removeManifest("stop.yaml");
  // The shell creates the file before it writes the line: wait for the line.
  EXPECT_TRUE(
      waitFor([&] { return exists(hostDir + "/got") && !readFile(hostDir + "/got").empty(); }, 10s))
      << agent.agentLog();
  EXPECT_EQ(readFile(hostDir + "/got"), "USR1\n");
}

TEST_F(PodApiFields, UnmaskedProcHasNoMasksInAUserNamespaceAndSysctlsStayClosed) {
  const std::string look =
      "grep -c -E ' /proc/(kcore|keys|sys|timer_list) ' /proc/self/mountinfo; "
      "if echo 1 > /proc/sys/kernel/panic 2>/dev/null; then echo panic-writable; else echo "
      "panic-denied; fi; echo done; sleep 1h";
  const std::string containers =
      "  - name: unmasked\n    image: busybox\n    securityContext: {procMount: Unmasked}\n"
      "    command: [\"sh\", \"-c\", \"" +
      look +
      "\"]\n"
      "  - name: masked\n    image: busybox\n    command: [\"sh\", \"-c\", \"" +
      look + "\"]\n";
  agent.dropManifest("unmasked.yaml",
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: unmasked, "
                     "uid: unmasked-uid}\nspec:\n  hostUsers: false\n"
                     "  terminationGracePeriodSeconds: 1\n  containers:\n" +
                         containers);
  ASSERT_TRUE(logHas("unmasked", "unmasked", "done")) << agent.agentLog();
  ASSERT_TRUE(logHas("unmasked", "masked", "done")) << agent.agentLog();
  EXPECT_NE(log("unmasked", "unmasked").find(" F 0\n"), std::string::npos)
      << log("unmasked", "unmasked");
  EXPECT_EQ(log("unmasked", "masked").find(" F 0\n"), std::string::npos)
      << log("unmasked", "masked");
  EXPECT_NE(log("unmasked", "unmasked").find("panic-denied"), std::string::npos);
}

TEST_F(PodApiFields, AnInitContainersRestartRuleRetriesItUnderAPodPolicyOfNever) {
  agent.dropManifest(
      "initrule.yaml",
      hostPathPod("initrule",
                  "  - name: app\n    image: busybox\n    command: [\"sh\", \"-c\", \"echo "
                  "app-ran; sleep 1h\"]\n",
                  "  restartPolicy: Never\n  initContainers:\n  - name: setup\n    image: "
                  "busybox\n    restartPolicy: Never\n    restartPolicyRules: [{action: Restart, "
                  "exitCodes: {operator: In, values: [42]}}]\n    command: [\"sh\", \"-c\", "
                  "\"if [ -e /v/tried ]; then echo second-try; exit 0; fi; touch /v/tried; exit "
                  "42\"]\n    volumeMounts: [{name: host, mountPath: /v}]\n"));
  ASSERT_TRUE(logHas("initrule", "app", "app-ran")) << agent.agentLog();
  EXPECT_NE(log("initrule", "setup", 1).find("second-try"), std::string::npos);
  auto pod = podJson(agent, "initrule");
  EXPECT_EQ(pod["status"]["initContainerStatuses"][0]["restartCount"], 1) << pod.dump(2);
}

TEST_F(PodApiFields, TcpSocketPostStartHookFailsAsTheKubeletFailsIt) {
  agent.dropManifest(
      "tcphook.yaml",
      hostPathPod("tcphook",
                  "  - name: app\n    image: busybox\n    command: [\"sleep\", \"1h\"]\n"
                  "    lifecycle: {postStart: {tcpSocket: {port: 8080}}}\n"));
  EXPECT_TRUE(waitFor(
      [&] { return hasEvent(agent, "tcphook", "FailedPostStartHook", "invalid handler"); }, 20s))
      << agent.get("/pods/default/tcphook/events").body << agent.agentLog();
}

TEST_F(PodApiFields, APodForWindowsIsRefusedWithPodOSNotSupported) {
  agent.dropManifest("win.yaml",
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: win, uid: "
                     "win-uid}\nspec:\n  os: {name: windows}\n  containers:\n"
                     "  - {name: app, image: busybox, command: [sleep, 1h]}\n");
  nlohmann::json pod;
  EXPECT_TRUE(waitFor(
      [&] {
        pod = podJson(agent, "win");
        return pod.is_object() && pod["status"].value("reason", "") == "PodOSNotSupported";
      },
      10s))
      << pod.dump(2) << agent.agentLog();
  EXPECT_EQ(pod["status"].value("phase", ""), "Failed");
  EXPECT_FALSE(exists(agent.stateDir() + "/pods/win-uid"));
}

}  // namespace
}  // namespace podkeeper::e2e
