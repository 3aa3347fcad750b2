// Pod networking through the real CNI plugins (bridge, host-local, portmap) and the real
// agent (tests/e2e/agent/network_fixture.h: each test's own bridge, range and directories).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "tests/e2e/agent/network_fixture.h"

namespace podkeeper::e2e {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

using Network = NetworkFixture;

TEST_F(Network, PodsReachEachOtherTheHostReachesThemAndHostPortsAreReleased) {
  start();
  agent_->dropManifest("server.yaml",
                       netPodYaml("server",
                                  "mkdir -p /www && echo served > /www/index.html && "
                                  "exec httpd -f -p 8080 -h /www",
                                  hostPort_));
  ASSERT_TRUE(waitFor([&] { return running("server") && !podIP("server").empty(); }, 20s))
      << agent_->agentLog();
  const std::string ip = podIP("server");
  EXPECT_EQ(ip.rfind(subnet_.substr(0, subnet_.rfind('.')), 0), 0u) << ip;
  // get pods -o wide shows it.
  EXPECT_NE(runCli(*agent_, "get pods -o wide").output.find(ip), std::string::npos);

  // Host -> pod by its IP; host -> hostPort on 127.0.0.1 (portmap's snat) and on the pod's
  // gateway (a node address).
  auto fetch = [](const std::string& url) {
    return support::runShell("curl -s -m 2 " + url).output;
  };
  EXPECT_TRUE(waitFor([&] { return fetch("http://" + ip + ":8080/") == "served\n"; }, 10s));
  EXPECT_EQ(fetch("http://127.0.0.1:" + std::to_string(hostPort_) + "/"), "served\n");
  const std::string gateway = subnet_.substr(0, subnet_.rfind('.')) + ".1";
  EXPECT_EQ(fetch("http://" + gateway + ":" + std::to_string(hostPort_) + "/"), "served\n");

  // Pod -> pod by IP over TCP, and pod -> host (the bridge's address).
  agent_->dropManifest(
      "client.yaml",
      netPodYaml("client",
                 "until wget -q -O /tmp/got http://" + ip +
                     ":8080/; do sleep 0.2; done; cat /tmp/got; until wget -q -O - http://" +
                     gateway + ":" + std::to_string(hostPort_) +
                     "/ >/dev/null; do sleep 0.2; done; echo host-reached; sleep 1000"));
  const std::string clientLog = agent_->logFile("default", "client", "net-client", "app", 0);
  ASSERT_TRUE(waitFor(
      [&] {
        const std::string log = readFile(clientLog);
        return log.find("served") != std::string::npos &&
               log.find("host-reached") != std::string::npos;
      },
      20s))
      << readFile(clientLog) << agent_->agentLog();
  EXPECT_EQ(allocations(), 2u);
  EXPECT_FALSE(natRulesOf("net-server").empty());
  // The pod's row carries its eth0 counters, read from outside the pod, and they moved.
  const std::string metrics = agent_->getTcp("/metrics/cadvisor").body;
  const std::regex received(
      R"re(container_network_receive_bytes_total\{[^}]*interface="eth0"[^}]*pod="server"\} ([0-9.e+]+))re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, received)) << metrics.substr(0, 2000);
  EXPECT_GT(std::stod(m[1]), 1000.0);

  agent_->removeManifest("server.yaml");
  agent_->removeManifest("client.yaml");
  ASSERT_TRUE(waitFor([&] { return gone("server") && gone("client"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(linksOnBridge(), 0u);
  EXPECT_EQ(natRulesOf("net-server"), "");
  EXPECT_NE(fetch("http://127.0.0.1:" + std::to_string(hostPort_) + "/"), "served\n");
}

TEST_F(Network, AMissingPluginIsThePodsErrorUntilTheConfigurationIsFixed) {
  writeConfig(goodConfig("pk-no-such-plugin"));
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  ASSERT_TRUE(waitFor(
      [&] {
        return events("web").find("CNI plugin \\\"pk-no-such-plugin\\\" not found") !=
               std::string::npos;
      },
      15s))
      << events("web") << agent_->agentLog();
  EXPECT_NE(events("web").find("NetworkNotReady"), std::string::npos);
  EXPECT_FALSE(running("web"));

  writeConfig(goodConfig());
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 30s))
      << agent_->agentLog();
  agent_->removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return gone("web"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
}

TEST_F(Network, ABrokenConfigurationNamesFileAndField) {
  writeConfig(R"({"cniVersion":"1.0.0","plugins":[{"type":"bridge"}]})");
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  ASSERT_TRUE(waitFor(
      [&] { return events("web").find("10-test.conflist: name: missing") != std::string::npos; },
      15s))
      << events("web");
  EXPECT_FALSE(running("web"));
}

TEST_F(Network, WithoutConfigurationPodsRunWithOnlyLoAndTheNodeSaysSo) {
  fs::remove(dir_.file("cni/10-test.conflist"));
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "ip -o link; sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("web"); }, 15s)) << agent_->agentLog();
  ASSERT_TRUE(
      waitFor([&] { return events("web").find("NetworkNotConfigured") != std::string::npos; }, 5s));
  EXPECT_NE(agent_->getTcp("/readyz").body.find("no CNI configuration"), std::string::npos);
  EXPECT_NE(agent_->getTcp("/metrics").body.find("podkeeper_pods_without_network 1"),
            std::string::npos);
}

// Without a configuration a pod is set up at once with only lo (no ADD is run: the agent
// watches the directory); one written later, or the directory made again after it was
// removed, is what the next pod gets, while the earlier pods run on.
TEST_F(Network, AConfigurationWrittenAfterPodsRanWithoutOneIsTheNextPodsNetwork) {
  fs::remove(dir_.file("cni/10-test.conflist"));
  start();
  agent_->dropManifest("lo.yaml", netPodYaml("lo", "sleep 1000"));
  const auto inRange = [&](const std::string& pod) {
    return podIP(pod).starts_with(subnet_.substr(0, subnet_.rfind('.') + 1));
  };
  ASSERT_TRUE(waitFor([&] { return running("lo"); }, 15s)) << agent_->agentLog();
  EXPECT_FALSE(inRange("lo")) << podIP("lo");
  writeConfig(goodConfig());
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("web") && inRange("web"); }, 20s)) << agent_->agentLog();
  EXPECT_TRUE(running("lo"));

  fs::remove_all(dir_.file("cni"));  // no directory: no configuration
  agent_->dropManifest("lo2.yaml", netPodYaml("lo2", "sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("lo2"); }, 15s)) << agent_->agentLog();
  EXPECT_FALSE(inRange("lo2")) << podIP("lo2");
  fs::create_directories(dir_.file("cni"));
  writeConfig(goodConfig());
  agent_->dropManifest("web2.yaml", netPodYaml("web2", "sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("web2") && inRange("web2"); }, 20s))
      << agent_->agentLog();
  for (const char* pod : {"lo", "web", "lo2", "web2"})
    agent_->removeManifest(std::string(pod) + ".yaml");
  ASSERT_TRUE(waitFor([&] { return gone("web") && gone("web2"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
}

TEST_F(Network, WithRequireConfigPodsWaitForAConfigurationAndHostNetworkPodsRun) {
  fs::remove(dir_.file("cni/10-test.conflist"));
  start({"--cni-require-config"});
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  std::string host = netPodYaml("host", "sleep 1000");
  host.insert(host.find("  containers:"), "  hostNetwork: true\n");
  agent_->dropManifest("host.yaml", host);
  ASSERT_TRUE(waitFor([&] { return running("host"); }, 20s)) << agent_->agentLog();
  ASSERT_TRUE(waitFor(
      [&] {
        return events("web").find("NetworkPluginNotReady: cni plugin not initialized") !=
               std::string::npos;
      },
      20s))
      << events("web");
  EXPECT_FALSE(running("web"));
  writeConfig(goodConfig());
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 40s))
      << agent_->agentLog();
}

TEST_F(Network, ResolvConfFollowsDnsPolicy) {
  start();
  std::string none = netPodYaml("dns", "cat /etc/resolv.conf; sleep 1000");
  none.insert(none.find("  containers:"),
              "  dnsPolicy: None\n  dnsConfig:\n    nameservers: [192.0.2.10]\n"
              "    searches: [a.example]\n    options: [{name: ndots, value: \"3\"}]\n");
  agent_->dropManifest("dns.yaml", none);
  const std::string log = agent_->logFile("default", "dns", "net-dns", "app", 0);
  ASSERT_TRUE(
      waitFor([&] { return readFile(log).find("options ndots:3") != std::string::npos; }, 20s))
      << readFile(log) << agent_->agentLog();
  EXPECT_NE(readFile(log).find("nameserver 192.0.2.10"), std::string::npos);
  EXPECT_NE(readFile(log).find("search a.example"), std::string::npos);
  // ClusterFirst (the default) falls back to the node's servers with the kubelet's event.
  agent_->dropManifest("cf.yaml", netPodYaml("cf", "sleep 1000"));
  ASSERT_TRUE(
      waitFor([&] { return events("cf").find("MissingClusterDNS") != std::string::npos; }, 20s));
}

TEST_F(Network, EtcHostsIsTheKubeletsWithThePodIPHostnameSubdomainAndAliases) {
  start();
  std::string yaml = netPodYaml("named", "cat /etc/hosts; echo host=$(hostname); sleep 1000");
  yaml.insert(yaml.find("  containers:"),
              "  hostname: db\n  subdomain: nginx\n  setHostnameAsFQDN: true\n"
              "  hostAliases: [{ip: 192.0.2.7, hostnames: [foo.local, bar.local]}]\n");
  agent_->dropManifest("named.yaml", yaml);
  const std::string log = agent_->logFile("default", "named", "net-named", "app", 0);
  ASSERT_TRUE(waitFor([&] { return readFile(log).find("host=") != std::string::npos; }, 20s))
      << readFile(log) << agent_->agentLog();
  const std::string ip = podIP("named");
  ASSERT_FALSE(ip.empty());
  const std::string text = readFile(log);
  EXPECT_NE(text.find("# Kubernetes-managed hosts file."), std::string::npos) << text;
  EXPECT_NE(text.find(ip + "\tdb.nginx.default.svc.cluster.local\tdb"), std::string::npos) << text;
  EXPECT_EQ(text.find("127.0.1.1"), std::string::npos) << text;
  EXPECT_NE(text.find("# Entries added by HostAliases."), std::string::npos) << text;
  EXPECT_NE(text.find("192.0.2.7\tfoo.local\tbar.local"), std::string::npos) << text;
  EXPECT_NE(text.find("host=db.nginx.default.svc.cluster.local"), std::string::npos) << text;
}

TEST_F(Network, AnAgentKilledAfterAddAdoptsThePodWithItsAddressAndStillReleasesIt) {
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 20s));
  const std::string ip = podIP("web");
  killAgent();
  start();
  ASSERT_TRUE(waitFor([&] { return podIP("web") == ip && running("web"); }, 15s))
      << podJson(*agent_, "web").dump();
  // The configuration changes meanwhile: DEL still uses what ADD used.
  writeConfig(goodConfig("pk-no-such-plugin"));
  agent_->removeManifest("web.yaml");
  ASSERT_TRUE(waitFor([&] { return gone("web"); }, 20s)) << agent_->agentLog();
  EXPECT_EQ(allocations(), 0u);
  EXPECT_EQ(linksOnBridge(), 0u);
}

TEST_F(Network, AnAdoptedPodWhoseNetworkBrokeGetsANewSandbox) {
  start();
  agent_->dropManifest("web.yaml", netPodYaml("web", "sleep 1000"));
  ASSERT_TRUE(waitFor([&] { return running("web") && !podIP("web").empty(); }, 20s));
  agent_->stop();
  // Its veth goes while no agent watches: CHECK at adoption fails.
  support::runShell("nsenter --net=" + agent_->stateDir() +
                    "/pods/net-web/ns/net ip link del eth0");
  start();
  ASSERT_TRUE(waitFor(
      [&] {
        return running("web") && !podIP("web").empty() &&
               support::runShell("nsenter --net=" + agent_->stateDir() +
                                 "/pods/net-web/ns/net ip -o link show eth0")
                       .exitCode == 0;
      },
      30s))
      << agent_->agentLog();
  EXPECT_NE(agent_->agentLog().find("network check failed"), std::string::npos);
  EXPECT_EQ(allocations(), 1u);
}

}  // namespace
}  // namespace podkeeper::e2e
