// Churn: a hundred networked pods created and deleted three times leave the machine as it
// was: no host-local allocation, no veth on the bridge, no iptables rule, no pod directory
// (and so no netns pin). Ten of them publish a hostPort, so portmap's rules churn too.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "tests/e2e/agent/network_fixture.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
using NetworkChurn = NetworkFixture;

constexpr int kPods = 100;
constexpr int kRounds = 3;

TEST_F(NetworkChurn, AHundredPodsThreeTimesLeaveNoAddressLinkRuleOrPin) {
  start();
  ASSERT_TRUE(waitFor([&] { return agent_->get("/pods").status == 200; }, 10s));
  auto items = [&] {
    auto j = nlohmann::json::parse(agent_->get("/pods").body, nullptr, false);
    return j.is_object() && j.contains("items") ? j["items"] : nlohmann::json::array();
  };
  // Pods running with an address of their own.
  auto runningWithIP = [&] {
    size_t n = 0;
    for (const auto& p : items())
      n += p.contains("status") && p["status"].contains("podIP") &&
           containerStatus(p, "app").is_object() &&
           containerStatus(p, "app")["state"].contains("running");
    return n;
  };
  for (int round = 0; round < kRounds; ++round) {
    const auto began = std::chrono::steady_clock::now();
    for (int i = 0; i < kPods; ++i) {
      const std::string name = "churn-" + std::to_string(i);
      const int hostPort = i % 10 == 0 ? hostPort_ + 1000 + i : 0;
      std::string yaml = netPodYaml(name, "sleep 1000", hostPort);
      yaml.replace(yaml.find("terminationGracePeriodSeconds: 1"), 32,
                   "terminationGracePeriodSeconds: 0");
      agent_->dropManifest(name + ".yaml", yaml);
    }
    ASSERT_TRUE(waitFor([&] { return runningWithIP() == kPods; }, 90s))
        << "round " << round << ": " << runningWithIP() << " running\n"
        << agent_->agentLog().substr(0, 4000);
    EXPECT_EQ(allocations(), size_t(kPods));
    EXPECT_EQ(linksOnBridge(), size_t(kPods));
    const auto up = std::chrono::steady_clock::now();
    for (int i = 0; i < kPods; ++i) agent_->removeManifest("churn-" + std::to_string(i) + ".yaml");
    ASSERT_TRUE(waitFor([&] { return items().empty() && podDirs() == 0; }, 90s))
        << "round " << round << ": " << items().size() << " pods left";
    const auto down = std::chrono::steady_clock::now();
    EXPECT_EQ(allocations(), 0u) << "round " << round;
    EXPECT_EQ(linksOnBridge(), 0u) << "round " << round;
    EXPECT_EQ(rulesOf("net-churn-"), "") << "round " << round;
    using ms = std::chrono::milliseconds;
    // For the record (the time budget is measured, not asserted).
    std::printf("round %d: %d pods up in %lld ms, down in %lld ms\n", round, kPods,
                static_cast<long long>(std::chrono::duration_cast<ms>(up - began).count()),
                static_cast<long long>(std::chrono::duration_cast<ms>(down - up).count()));
  }
}

}  // namespace
}  // namespace podkeeper::e2e
