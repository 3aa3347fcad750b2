#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/agent/agent_harness.h"
#include "tests/e2e/agent/pod_probe.h"
#include "tests/support/command.h"

// hostUsers: false through the real agent: the pod's root is an unprivileged id on the host,
// each pod has its own block of 65536 ids out of --userns-range, kept across an agent restart,
// and what it writes to an emptyDir is owned the same on both sides of the idmapped mount.
namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRange = "196608:262144";  // 4 blocks: 196608, 262144, 327680, 393216

std::string userPod(const std::string& name) {
  return R"(apiVersion: v1
kind: Pod
metadata:
  name: )" +
         name + R"(
spec:
  hostUsers: false
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "id; cat /proc/self/uid_map; echo hi > /data/by-root; stat -c 'owner=%u:%g' /data/by-root; stat -c 'lower=%u' /bin/busybox; sleep 1h"]
    volumeMounts:
    - {name: data, mountPath: /data}
  volumes:
  - name: data
    emptyDir: {}
)";
}

// The Uid: (or Gid:) line of /proc/<pid>/status: real, effective, saved, fs.
std::vector<uint64_t> idLine(pid_t pid, const std::string& key) {
  std::istringstream in(readFile("/proc/" + std::to_string(pid) + "/status"));
  std::vector<uint64_t> ids;
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with(key + ":")) continue;
    std::istringstream fields(line.substr(key.size() + 1));
    for (uint64_t id; fields >> id;) ids.push_back(id);
  }
  return ids;
}

class UserNamespace : public ::testing::Test {
 protected:
  void SetUp() override { agent.start({"--userns-range", kRange}); }

  std::string uid(const std::string& pod) const {
    auto j = podJson(agent, pod);
    return j.is_object() ? j["metadata"].value("uid", "") : "";
  }
  std::string log(const std::string& pod) const {
    return readFile(agent.logFile("default", pod, uid(pod), "app", 0));
  }
  // The pod's first host id, read from the container's init on the host.
  uint64_t hostRoot(const std::string& pod) const {
    const pid_t pid = initPid(agent.memoryCgroupDir("besteffort/pod" + uid(pod) + "/app"));
    if (pid <= 0) return 0;
    auto ids = idLine(pid, "Uid");
    return ids.size() == 4 ? ids[0] : 0;
  }
  bool started(const std::string& pod) const {
    return log(pod).find("lower=") != std::string::npos;
  }

  AgentHarness agent;
};

TEST_F(UserNamespace, ContainerRootIsAnUnprivilegedHostIdAndRootInside) {
  agent.dropManifest("a.yaml", userPod("userns-a"));
  ASSERT_TRUE(waitFor([&] { return started("userns-a"); }, 20s))
      << podJson(agent, "userns-a").dump(2) << agent.agentLog();
  const pid_t pid = initPid(agent.memoryCgroupDir("besteffort/pod" + uid("userns-a") + "/app"));
  ASSERT_GT(pid, 0);
  EXPECT_EQ(idLine(pid, "Uid"), (std::vector<uint64_t>{196608, 196608, 196608, 196608}));
  EXPECT_EQ(idLine(pid, "Gid"), (std::vector<uint64_t>{196608, 196608, 196608, 196608}));
  const std::string out = log("userns-a");
  EXPECT_NE(out.find("uid=0(root) gid=0(root)"), std::string::npos) << out;
  EXPECT_NE(out.find("0     196608      65536"), std::string::npos) << out;
  // The image's root-owned files are root's inside (idmapped layers), not nobody's.
  EXPECT_NE(out.find("lower=0"), std::string::npos) << out;
  // Written by the container's root through the idmapped emptyDir: root's on both sides.
  EXPECT_NE(out.find("owner=0:0"), std::string::npos) << out;
  struct stat st {};
  const std::string onHost = agent.rootDir() + "/pods/" + uid("userns-a") + "/volumes/data/by-root";
  ASSERT_EQ(::stat(onHost.c_str(), &st), 0) << onHost;
  EXPECT_EQ(st.st_uid, 0u);
  EXPECT_EQ(st.st_gid, 0u);
  // Capabilities count only inside its own namespaces: no mount, no host device.
  // podkeeper exec joins the pod's user namespace as the init did.
  auto exec = support::runShell(std::string(PK_AGENT_PATH) + " exec --socket " + agent.stateDir() +
                                "/podkeeper.sock userns-a -- sh -c 'id; mount -t tmpfs t /tmp; "
                                "mknod /tmp/sda b 8 0; echo done' </dev/null 2>&1");
  EXPECT_NE(exec.output.find("uid=0(root) gid=0(root)"), std::string::npos) << exec.output;
  EXPECT_NE(exec.output.find("mount: permission denied"), std::string::npos) << exec.output;
  EXPECT_NE(exec.output.find("mknod: /tmp/sda: Operation not permitted"), std::string::npos)
      << exec.output;
  EXPECT_NE(exec.output.find("done"), std::string::npos) << exec.output;
}

TEST_F(UserNamespace, EachPodHasItsOwnBlockKeptAcrossAnAgentRestart) {
  agent.dropManifest("a.yaml", userPod("userns-a"));
  agent.dropManifest("b.yaml", userPod("userns-b"));
  ASSERT_TRUE(waitFor([&] { return started("userns-a") && started("userns-b"); }, 30s))
      << agent.agentLog();
  const uint64_t a = hostRoot("userns-a"), b = hostRoot("userns-b");
  EXPECT_NE(a, b);
  for (uint64_t id : {a, b}) {
    EXPECT_GE(id, 196608u);
    EXPECT_EQ(id % 65536, 0u);
  }
  agent.stop();
  agent.start({"--userns-range", kRange});
  agent.dropManifest("c.yaml", userPod("userns-c"));
  ASSERT_TRUE(waitFor([&] { return started("userns-c"); }, 20s)) << agent.agentLog();
  const uint64_t c = hostRoot("userns-c");
  EXPECT_NE(c, a);
  EXPECT_NE(c, b);
  EXPECT_EQ(hostRoot("userns-a"), a);  // kept running, on its own block
  // Freed with its pod, and only then handed out again.
  agent.removeManifest("a.yaml");
  ASSERT_TRUE(waitFor([&] { return !podJson(agent, "userns-a").is_object(); }, 40s))
      << agent.agentLog();
  agent.dropManifest("d.yaml", userPod("userns-d"));
  ASSERT_TRUE(waitFor([&] { return started("userns-d"); }, 20s)) << agent.agentLog();
  EXPECT_EQ(hostRoot("userns-d"), a);
}

}  // namespace
}  // namespace podkeeper::e2e
