// Real CNI plugins (containernetworking-plugins) against a real pinned network namespace:
// each test has its own bridge, its own range, its own host-local data directory and removes
// its links and iptables rules.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "runtime/network/cni_config.h"
#include "runtime/network/cni_network.h"
#include "runtime/network/network_record.h"
#include "runtime/sandbox/namespace_pins.h"
#include "runtime/sys/run_command.h"
#include "tests/support/command.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace podkeeper::runtime::network {
namespace {

namespace fs = std::filesystem;

TEST(RunCommand, FeedsInputAndCapturesOutput) {
  auto r = runCommand(CommandSpec{.path = "/bin/sh",
                                  .argv = {"sh", "-c", "cat; echo err >&2; exit 3"},
                                  .env = {"PATH=/bin:/usr/bin"},
                                  .input = "hello"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "hello");
  EXPECT_EQ(r->err, "err\n");
  EXPECT_EQ(r->exitCode, 3);
  EXPECT_FALSE(r->timedOut);
}

TEST(RunCommand, KillsWhatOutlivesItsTimeoutWithItsChildren) {
  support::TempDir dir("pk-test-cmd");
  const std::string pidFile = dir.file("child");
  auto r =
      runCommand(CommandSpec{.path = "/bin/sh",
                             .argv = {"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"},
                             .env = {"PATH=/bin:/usr/bin"},
                             .timeout = std::chrono::milliseconds(300)});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_TRUE(r->timedOut);
  std::ifstream in(pidFile);
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  // The grandchild was in the group: killed (gone, or a zombie until init reaps it).
  auto goneOrZombie = [&] {
    std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
    std::string line;
    if (!std::getline(stat, line)) return true;
    return line.substr(line.rfind(')') + 2, 1) == "Z";
  };
  EXPECT_TRUE(support::waitFor(goneOrZombie, std::chrono::seconds(2)));
}

TEST(RunCommand, AMissingProgramIsAnError) {
  auto r = runCommand(CommandSpec{.path = "/nonexistent/plugin"});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/plugin"), std::string::npos);
}

class CniPlugins : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string tag = std::to_string(::getpid() % 10000);
    bridge_ = "pkt" + tag;
    subnet_ = "10.251." + std::to_string(::getpid() % 250) + ".0/24";
    ASSERT_TRUE(pinNewNamespaces(dir_.file("ns"), {"net"}, "", {}));
    netns_ = dir_.file("ns/net");
  }
  void TearDown() override {
    (void)unpinNamespaces(dir_.file("ns"));
    support::runShell("ip link del " + bridge_ + " 2>/dev/null");
  }
  // ranges: host-local's "ranges" value (one IPv4 range unless a test gives more).
  NetworkConfigList list(std::string ranges = "") {
    if (ranges.empty()) ranges = R"([[{"subnet":")" + subnet_ + R"("}]])";
    const std::string text = R"({"cniVersion":"1.0.0","name":"pk-test-)" + bridge_ + R"(",
      "plugins":[
        {"type":"bridge","bridge":")" +
                             bridge_ + R"(","isGateway":true,"ipMasq":false,
         "ipam":{"type":"host-local","ranges":)" +
                             ranges + R"(,
                 "dataDir":")" +
                             dir_.file("ipam") + R"("}},
        {"type":"portmap","capabilities":{"portMappings":true},"snat":true}]})";
    auto l = parseNetworkConfig(dir_.file("10-test.conflist"), text, true);
    EXPECT_TRUE(l) << l.error().message;
    return *l;
  }
  Attachment attachment() {
    Attachment a{"pk-test-" + bridge_, netns_, "eth0", {{"IgnoreUnknown", "1"}}, {}};
    a.capabilityArgs["portMappings"] = {
        {{"hostPort", 40000 + ::getpid() % 20000}, {"containerPort", 80}, {"protocol", "tcp"}}};
    return a;
  }
  size_t allocations() {
    size_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(dir_.file("ipam"), ec))
      if (e.path().filename().string().find_first_of(".:") != std::string::npos &&
          e.path().filename() != "lock" &&
          e.path().filename().string().rfind("last_reserved", 0) != 0)
        ++n;
    return n;
  }
  std::string natRules() {
    return support::runShell("iptables-save -t nat 2>/dev/null | grep -c -- " +
                             attachment().containerId)
        .output;
  }

  support::TempDir dir_{"pk-test-cni"};
  std::string bridge_, subnet_, netns_;
  CniNetwork cni_{CniOptions{}};
};

TEST_F(CniPlugins, AddGivesAnAddressTheHostReachesAndDelRemovesEverything) {
  const std::string record = dir_.file("network.json");
  auto r = attachPod(cni_, list(), attachment(), record);
  ASSERT_TRUE(r) << r.error().message;
  auto ips = podIPs(*r);
  ASSERT_EQ(ips.size(), 1u);
  EXPECT_EQ(ips[0].rfind("10.251.", 0), 0u);
  EXPECT_EQ(allocations(), 1u);
  EXPECT_EQ(support::runShell("busybox ping -c1 -W2 " + ips[0] + " >/dev/null 2>&1").exitCode, 0);
  EXPECT_NE(natRules(), "0\n");  // portmap's DNAT for the hostPort
  ASSERT_TRUE(recordedResult(record));
  auto checked = checkPod(cni_, record);
  ASSERT_TRUE(checked) << checked.error().message;

  ASSERT_TRUE(detachPod(cni_, record));
  EXPECT_FALSE(fs::exists(record));
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(natRules(), "0\n");
  EXPECT_TRUE(detachPod(cni_, record));  // again: nothing to do
}

TEST_F(CniPlugins, DelWithoutAResultStillReleasesTheAddress) {
  // As after an agent killed during ADD: the record has no result yet.
  const std::string record = dir_.file("network.json");
  auto r = cni_.add(list(), attachment());
  ASSERT_TRUE(r) << r.error().message;
  NetworkRecord rec{list(), attachment(), nullptr};
  { std::ofstream(record) << encodeNetworkRecord(rec); }
  ASSERT_TRUE(detachPod(cni_, record));
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(natRules(), "0\n");
}

TEST_F(CniPlugins, TwoRangesGiveBothFamiliesIPv4First) {
  // Dual stack on a loopback-only machine: an IPv4 range and an IPv6 ULA range.
  const std::string ranges = R"([[{"subnet":")" + subnet_ + R"("}],[{"subnet":"fd5a:)" +
                             std::to_string(::getpid() % 9999) + R"(::/64"}]])";
  const std::string record = dir_.file("network.json");
  auto r = attachPod(cni_, list(ranges), attachment(), record);
  ASSERT_TRUE(r) << r.error().message;
  auto ips = podIPs(*r);
  ASSERT_EQ(ips.size(), 2u);
  EXPECT_EQ(ips[0].rfind("10.251.", 0), 0u) << ips[0];
  EXPECT_EQ(ips[1].rfind("fd5a:", 0), 0u) << ips[1];
  EXPECT_EQ(allocations(), 2u);
  // The pod's eth0 holds both, and the host reaches the IPv6 one through the bridge.
  const std::string addrs =
      support::runShell("nsenter --net=" + netns_ + " ip -o addr show eth0").output;
  EXPECT_NE(addrs.find(ips[0] + "/24"), std::string::npos) << addrs;
  EXPECT_NE(addrs.find(ips[1] + "/64"), std::string::npos) << addrs;
  // (bounded retries: the bridge's own IPv6 address is tentative until its DAD ends)
  EXPECT_TRUE(support::waitFor(
      [&] {
        return support::runShell("busybox ping -6 -c1 -W1 " + ips[1] + " >/dev/null 2>&1")
                   .exitCode == 0;
      },
      std::chrono::seconds(10)));
  auto checked = checkPod(cni_, record);
  ASSERT_TRUE(checked) << checked.error().message;
  ASSERT_TRUE(detachPod(cni_, record));
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(natRules(), "0\n");
}

TEST_F(CniPlugins, ABrokenNetnsIsSeenByCheck) {
  const std::string record = dir_.file("network.json");
  ASSERT_TRUE(attachPod(cni_, list(), attachment(), record));
  support::runShell("nsenter --net=" + netns_ + " ip link del eth0");
  EXPECT_FALSE(checkPod(cni_, record));
  ASSERT_TRUE(detachPod(cni_, record));
  EXPECT_EQ(allocations(), 0u);
}

TEST_F(CniPlugins, AHangingPluginIsKilledAtTheTimeoutAndNamed) {
  // A plugin in the test's own bin dir that never answers.
  fs::create_directories(dir_.file("bin"));
  {
    std::ofstream script(dir_.file("bin/pk-hang"));
    script << "#!/bin/sh\necho hanging >&2\nexec sleep 60\n";
  }
  fs::permissions(dir_.file("bin/pk-hang"), fs::perms::owner_all);
  auto l = parseNetworkConfig(
      "f", R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"pk-hang"}]})", true);
  ASSERT_TRUE(l);
  CniNetwork cni(
      CniOptions{.binDirs = {dir_.file("bin")}, .timeout = std::chrono::milliseconds(300)});
  const auto started = std::chrono::steady_clock::now();
  auto r = cni.add(*l, attachment());
  ASSERT_FALSE(r);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(r.error().message,
            "network n: plugin pk-hang ADD timed out and was killed: hanging (a network ADD may "
            "take 300 ms: --cni-plugin-timeout)");
}

}  // namespace
}  // namespace podkeeper::runtime::network
