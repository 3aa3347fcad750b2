// Pod networking when plugins hang and when the agent dies in the middle of ADD or DEL: the
// pk-gate plugin (network_fixture.h) holds the bridge plugin at the point a crash would.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/e2e/agent/network_fixture.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using NetworkCrash = NetworkFixture;

TEST_F(NetworkCrash, AHangingPluginFailsItsPodAtTheTimeoutAndDelaysNoOther) {
  installGatePlugin();
  std::ofstream(dir_.file("hang")) << "";
  start({"--cni-plugin-timeout", "8"});
  agent_->dropManifest("slow.yaml", netPodYaml("slow", "sleep 1000"));
  agent_->dropManifest("fast.yaml", netPodYaml("fast", "sleep 1000"));
  // The other pod gets its address and runs while the slow pod's ADD still hangs.
  ASSERT_TRUE(waitFor([&] { return running("fast") && !podIP("fast").empty(); }, 20s))
      << agent_->agentLog();
  EXPECT_EQ(events("slow").find("NetworkNotReady"), std::string::npos) << events("slow");
  EXPECT_FALSE(running("slow"));
  // At the timeout: the pod's event names the plugin, the command and the flag.
  ASSERT_TRUE(waitFor(
      [&] {
        return events("slow").find("plugin pk-gate ADD timed out and was killed") !=
               std::string::npos;
      },
      30s))
      << events("slow") << agent_->agentLog();
  EXPECT_NE(events("slow").find("NetworkNotReady"), std::string::npos);
  EXPECT_NE(events("slow").find("--cni-plugin-timeout"), std::string::npos);
  EXPECT_FALSE(running("slow"));
  EXPECT_EQ(allocations(), 1u);  // the slow pod's ADD was undone: only fast's address
  // Fixed: the next try succeeds.
  std::filesystem::remove(dir_.file("hang"));
  ASSERT_TRUE(waitFor([&] { return running("slow") && !podIP("slow").empty(); }, 40s))
      << agent_->agentLog();
  EXPECT_EQ(allocations(), 2u);
  agent_->removeManifest("slow.yaml");
  agent_->removeManifest("fast.yaml");
  ASSERT_TRUE(waitFor([&] { return gone("slow") && gone("fast"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(linksOnBridge(), 0u);
}

TEST_F(NetworkCrash, AnAgentKilledDuringAddLeavesNothingAndThePodGetsOneAddress) {
  installGatePlugin();
  std::ofstream(dir_.file("gate-ADD")) << "";
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000", hostPort_));
  // The bridge plugin has made the veth and host-local has the address; the result never
  // reaches the agent, which dies now, and the plugin with it (as systemd stops the unit).
  ASSERT_TRUE(waitFor([&] { return heldPlugin("ADD") > 0; }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 1u);
  EXPECT_EQ(linksOnBridge(), 1u);
  killAgent();
  ::kill(heldPlugin("ADD"), SIGKILL);
  start();
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 30s))
      << agent_->agentLog();
  EXPECT_EQ(allocations(), 1u);
  EXPECT_EQ(linksOnBridge(), 1u);
  EXPECT_NE(natRulesOf("net-web"), "");
  agent_->removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return gone("web"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(linksOnBridge(), 0u);
  EXPECT_EQ(rulesOf("net-web"), "");
  EXPECT_EQ(podDirs(), 0u);
}

TEST_F(NetworkCrash, AnAgentKilledDuringDelStillReleasesEverythingAfterItsRestart) {
  installGatePlugin();
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000", hostPort_));
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 30s))
      << agent_->agentLog();
  std::ofstream(dir_.file("gate-DEL")) << "";
  agent_->removeManifest("web.yaml");
  // portmap's DEL ran; the bridge's has not: the veth and the address are still there.
  ASSERT_TRUE(waitFor([&] { return heldPlugin("DEL") > 0; }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 1u);
  killAgent();
  ::kill(heldPlugin("DEL"), SIGKILL);
  start();
  ASSERT_TRUE(waitFor([&] { return gone("web") && podDirs() == 0; }, 30s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(linksOnBridge(), 0u);
  EXPECT_EQ(rulesOf("net-web"), "");
}

}  // namespace
}  // namespace podkeeper::e2e
