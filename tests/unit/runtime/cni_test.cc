#include <gtest/gtest.h>

#include "runtime/network/cni_config.h"
#include "runtime/network/cni_network.h"
#include "runtime/network/cni_protocol.h"
#include "runtime/network/network_record.h"

namespace podkeeper::runtime::network {
namespace {

const char* kList = R"({
  "cniVersion": "1.0.0", "name": "pk",
  "plugins": [
    {"type": "bridge", "bridge": "pk0", "ipam": {"type": "host-local"}},
    {"type": "portmap", "capabilities": {"portMappings": true, "other": false}}
  ]})";

TEST(CniConfig, ParsesAList) {
  auto l = parseNetworkConfig("/etc/cni/net.d/10-pk.conflist", kList, true);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->name, "pk");
  EXPECT_EQ(l->cniVersion, "1.0.0");
  ASSERT_EQ(l->plugins.size(), 2u);
  EXPECT_EQ(l->plugins[0].type, "bridge");
  EXPECT_EQ(l->plugins[1].capabilities, std::vector<std::string>{"portMappings"});
}

TEST(CniConfig, WrapsAConfAsAListOfOne) {
  auto l =
      parseNetworkConfig("x.conf", R"({"cniVersion":"0.4.0","name":"n","type":"bridge"})", false);
  ASSERT_TRUE(l) << l.error().message;
  EXPECT_EQ(l->name, "n");
  ASSERT_EQ(l->plugins.size(), 1u);
  EXPECT_EQ(l->plugins[0].type, "bridge");
  EXPECT_EQ(l->raw["plugins"][0]["type"], "bridge");
}

TEST(CniConfig, ErrorsNameFileAndField) {
  auto bad = [](const std::string& text) {
    auto l = parseNetworkConfig("/d/a.conflist", text, true);
    return l ? std::string("ok") : l.error().message;
  };
  EXPECT_EQ(bad("{"), "/d/a.conflist: not valid JSON");
  EXPECT_EQ(bad(R"({"cniVersion":"1.0.0","plugins":[{"type":"x"}]})"),
            "/d/a.conflist: name: missing (the network's name)");
  EXPECT_EQ(bad(R"({"name":"n","cniVersion":"9.9","plugins":[{"type":"x"}]})"),
            "/d/a.conflist: cniVersion: \"9.9\" is not supported (0.3.0, 0.3.1, 0.4.0, 1.0.0)");
  EXPECT_EQ(bad(R"({"name":"n","cniVersion":"1.0.0","plugins":[]})"),
            "/d/a.conflist: plugins: missing or empty (a list of plugin objects)");
  EXPECT_EQ(bad(R"({"name":"n","cniVersion":"1.0.0","plugins":[{"type":"x"},{}]})"),
            "/d/a.conflist: plugins[1].type: missing (the plugin's binary name)");
  EXPECT_EQ(bad(R"({"name":"n","cniVersion":"1.0.0","plugins":[{"type":"../sh"}]})"),
            "/d/a.conflist: plugins[0].type: \"../sh\" is not a binary name");
}

TEST(CniConfig, CandidatesInLexicalOrder) {
  EXPECT_EQ(configCandidates({"99-b.conf", "10-a.conflist", ".hidden.conf", "README", "50.json"}),
            (std::vector<std::string>{"10-a.conflist", "50.json", "99-b.conf"}));
}

TEST(CniProtocol, EnvironmentAsLibcniSetsIt) {
  Attachment a{"uid1",
               "/run/pk/pods/uid1/ns/net",
               "eth0",
               {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}},
               {}};
  auto env = pluginEnv("ADD", a, {"/usr/lib/cni", "/opt/cni/bin"});
  EXPECT_EQ(env[0], "CNI_COMMAND=ADD");
  EXPECT_EQ(env[1], "CNI_CONTAINERID=uid1");
  EXPECT_EQ(env[2], "CNI_NETNS=/run/pk/pods/uid1/ns/net");
  EXPECT_EQ(env[3], "CNI_IFNAME=eth0");
  EXPECT_EQ(env[4], "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web");
  EXPECT_EQ(env[5], "CNI_PATH=/usr/lib/cni:/opt/cni/bin");
}

TEST(CniProtocol, InputCarriesNameVersionPrevResultAndDeclaredCapabilities) {
  auto l = parseNetworkConfig("f", kList, true);
  ASSERT_TRUE(l);
  nlohmann::json caps = {{"portMappings", {{{"hostPort", 8080}}}},
                         {"dns", {{"servers", {"1.1.1.1"}}}}};
  auto first = pluginInput(*l, 0, nullptr, caps);
  EXPECT_EQ(first["name"], "pk");
  EXPECT_EQ(first["cniVersion"], "1.0.0");
  EXPECT_FALSE(first.contains("prevResult"));
  EXPECT_FALSE(first.contains("runtimeConfig"));  // bridge declares no capability
  auto second = pluginInput(*l, 1, {{"ips", nlohmann::json::array()}}, caps);
  EXPECT_TRUE(second.contains("prevResult"));
  EXPECT_EQ(second["runtimeConfig"], (nlohmann::json{{"portMappings", {{{"hostPort", 8080}}}}}));
}

TEST(CniProtocol, ParsesAResultAndItsPodIPs) {
  auto r = parseResult(R"({"cniVersion":"1.0.0",
    "interfaces":[{"name":"pk0","mac":"aa"},{"name":"eth0","mac":"bb","sandbox":"/ns"}],
    "ips":[{"address":"fd00::5/64","interface":1},{"address":"10.88.0.5/16","gateway":"10.88.0.1","interface":1},
           {"address":"10.1.1.1/24","interface":0}],
    "dns":{"nameservers":["10.88.0.1"]}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->ips[1].gateway, "10.88.0.1");
  EXPECT_EQ(podIPs(*r), (std::vector<std::string>{"10.88.0.5", "fd00::5"}));
  EXPECT_EQ(r->dns["nameservers"][0], "10.88.0.1");
  EXPECT_FALSE(parseResult("not json"));
  EXPECT_FALSE(parseResult(R"({"ips":[{"gateway":"1.2.3.4"}]})"));
}

TEST(CniProtocol, DescribesFailures) {
  EXPECT_EQ(describeFailure("bridge", "ADD", 1, false,
                            R"({"code":11,"msg":"failed to allocate","details":"range full"})", ""),
            "plugin bridge ADD failed (code 11): failed to allocate: range full");
  EXPECT_EQ(describeFailure("x", "ADD", 2, false, "", "line1\nboom\n"),
            "plugin x ADD failed with exit code 2: boom");
  EXPECT_EQ(describeFailure("x", "DEL", 137, true, "", ""),
            "plugin x DEL timed out and was killed");
}

// A runner standing in for plugins: records every call, answers by plugin and command.
struct FakePlugins {
  std::vector<std::pair<std::string, nlohmann::json>> calls;  // "<binary> <command>", stdin
  std::string failing;                                        // "<binary> <command>"
  PluginRunner runner() {
    return [this](const CommandSpec& spec) -> Result<CommandResult> {
      std::string command = spec.env[0].substr(std::string("CNI_COMMAND=").size());
      std::string name = spec.path.substr(spec.path.rfind('/') + 1) + " " + command;
      calls.emplace_back(name, nlohmann::json::parse(spec.input));
      if (name == failing) return CommandResult{1, false, R"({"code":7,"msg":"no"})", ""};
      return CommandResult{
          0, false,
          R"({"cniVersion":"1.0.0","ips":[{"address":"10.9.0.2/24"}],"from":")" + name + "\"}", ""};
    };
  }
};

NetworkConfigList shellList() {
  // Plugins that exist on every machine, so findPlugin finds them; the fake runs nothing.
  auto l = parseNetworkConfig(
      "f", R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"true"},{"type":"false"}]})",
      true);
  return *l;
}

TEST(CniNetworkTest, AddChainsResultsAndDelRunsInReverse) {
  FakePlugins fake;
  CniNetwork cni(CniOptions{.binDirs = {"/nonexistent", "/bin"}}, fake.runner());
  auto r = cni.add(shellList(), Attachment{});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->raw["from"], "false ADD");
  ASSERT_EQ(fake.calls.size(), 2u);
  EXPECT_EQ(fake.calls[1].second["prevResult"]["from"], "true ADD");
  ASSERT_TRUE(cni.del(shellList(), Attachment{}, r->raw));
  EXPECT_EQ(fake.calls[2].first, "false DEL");
  EXPECT_EQ(fake.calls[3].first, "true DEL");
  EXPECT_EQ(fake.calls[3].second["prevResult"]["from"], "false ADD");
}

TEST(CniNetworkTest, AFailedAddIsUndoneAndNamed) {
  FakePlugins fake;
  fake.failing = "false ADD";
  CniNetwork cni(CniOptions{.binDirs = {"/bin"}}, fake.runner());
  auto r = cni.add(shellList(), Attachment{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "network n: plugin false ADD failed (code 7): no");
  ASSERT_EQ(fake.calls.size(), 4u);
  EXPECT_EQ(fake.calls[2].first, "false DEL");
  EXPECT_EQ(fake.calls[3].first, "true DEL");
}

TEST(CniNetworkTest, AMissingPluginSaysWhereItLooked) {
  FakePlugins fake;
  CniNetwork cni(CniOptions{.binDirs = {"/nowhere", "/neither"}}, fake.runner());
  auto r = cni.add(shellList(), Attachment{});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "network n: CNI plugin \"true\" not found in /nowhere, /neither");
  EXPECT_TRUE(fake.calls.empty());  // nothing ran, so nothing is undone
}

TEST(NetworkRecordTest, RoundTrips) {
  NetworkRecord rec{
      shellList(),
      Attachment{"id", "/ns", "eth0", {{"A", "1"}}, {{"portMappings", nlohmann::json::array()}}},
      {{"ips", nlohmann::json::array()}}};
  auto back = decodeNetworkRecord("network.json", encodeNetworkRecord(rec));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->list.name, "n");
  EXPECT_EQ(back->list.plugins.size(), 2u);
  EXPECT_EQ(back->attachment.args, rec.attachment.args);
  EXPECT_EQ(back->attachment.capabilityArgs, rec.attachment.capabilityArgs);
  EXPECT_EQ(back->result, rec.result);
  EXPECT_FALSE(decodeNetworkRecord("network.json", "{}"));
}

}  // namespace
}  // namespace podkeeper::runtime::network
