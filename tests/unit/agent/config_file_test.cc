#include "agent/config_file.h"

#include <gtest/gtest.h>

// The configuration file: the kubelet's field names, podkeeper's own beside them, errors at
// FILE:LINE:COL with the field, and flags over the file.
namespace podkeeper::agent {
namespace {

using namespace std::chrono_literals;

ConfigFile decode(const std::string& yaml) { return decodeConfigFile("/etc/pk.yaml", yaml); }

TEST(ConfigFile, KubeletFieldNamesSetTheAgentsConfig) {
  auto f = decode(R"(apiVersion: podkeeper.io/v1alpha1
kind: PodkeeperConfiguration
staticPodPath: /srv/manifests
cgroupRoot: system.slice/pods
address: 127.0.0.1
port: 0
readOnlyPort: 10266
authentication:
  x509:
    clientCAFile: /etc/pk/ca.crt
syncFrequency: 1m30s
fileCheckFrequency: 5s
podPidsLimit: -1
seccompDefault: true
imageGCHighThresholdPercent: 90
imageGCLowThresholdPercent: 70
containerLogMaxSize: 20Mi
containerLogMaxFiles: 3
allowedUnsafeSysctls: [net.core.somaxconn]
extendedResources: {example.com/dongle: 4}
cniBinDirs: [/opt/cni/bin]
)");
  ASSERT_TRUE(f.ok()) << f.errors();
  const AgentConfig& c = f.config;
  EXPECT_EQ(c.manifestDir, "/srv/manifests");
  EXPECT_EQ(c.cgroupRoot, "system.slice/pods");
  EXPECT_EQ(c.address, "127.0.0.1");
  EXPECT_EQ(c.port, 0);
  EXPECT_EQ(c.readOnlyPort, 10266);
  EXPECT_EQ(c.clientCaFile, "/etc/pk/ca.crt");
  EXPECT_EQ(c.resyncInterval, 90s);
  EXPECT_EQ(c.relistInterval, 5s);
  EXPECT_EQ(c.podPidsLimit, -1);
  EXPECT_TRUE(c.seccompDefault);
  EXPECT_EQ(c.imageGcHighThresholdPercent, 90);
  EXPECT_EQ(c.imageGcLowThresholdPercent, 70);
  EXPECT_EQ(c.containerLogMaxSize, "20Mi");
  EXPECT_EQ(c.containerLogMaxFiles, 3);
  EXPECT_EQ(c.admission.allowedUnsafeSysctls, std::vector<std::string>{"net.core.somaxconn"});
  EXPECT_EQ(c.admission.extendedResources.at("example.com/dongle"), 4);
  EXPECT_EQ(c.cniBinDirs, std::vector<std::string>{"/opt/cni/bin"});  // replaced, not appended
  EXPECT_EQ(c.stateDir, AgentConfig{}.stateDir);                      // not in the file: default
  EXPECT_EQ(f.positions.at("port").line, 6);
  EXPECT_EQ(f.positions.at("authentication.x509.clientCAFile").line, 10);
}

TEST(ConfigFile, ImagePullFieldsAreTheKubelets) {
  auto f = decode("serializeImagePulls: false\nmaxParallelImagePulls: 4\n");
  ASSERT_TRUE(f.ok()) << f.errors();
  EXPECT_FALSE(f.config.serializeImagePulls);
  EXPECT_EQ(f.config.maxParallelImagePulls, 4);
  EXPECT_TRUE(validateConfig(f.config));
  const std::string printed = printConfig(AgentConfig{});
  EXPECT_NE(printed.find("\nserializeImagePulls: true\n"), std::string::npos) << printed;
  EXPECT_NE(printed.find("\nmaxParallelImagePulls: 0\n"), std::string::npos) << printed;
}

TEST(ConfigFile, AnEmptyOrCommentOnlyFileIsTheDefaults) {
  for (const char* text : {"", "# nothing\n", "---\n"}) {
    auto f = decode(text);
    ASSERT_TRUE(f.ok()) << f.errors();
    EXPECT_EQ(printConfig(f.config), printConfig(AgentConfig{}));
  }
}

TEST(ConfigFile, AKubeletConfigurationHeaderIsAccepted) {
  auto f = decode(
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
      "staticPodPath: /etc/kubernetes/manifests\n");
  ASSERT_TRUE(f.ok()) << f.errors();
  EXPECT_EQ(f.config.manifestDir, "/etc/kubernetes/manifests");
}

void expectError(const std::string& yaml, const std::string& expected) {
  auto f = decode(yaml);
  EXPECT_FALSE(f.ok());
  EXPECT_NE(f.errors().find(expected), std::string::npos) << f.errors();
}

TEST(ConfigFile, UnknownFieldsAreErrorsAtTheirPosition) {
  expectError("port: 1\nstaticPodPaht: /x\n", "/etc/pk.yaml:2:1: staticPodPaht: unknown field");
  expectError("authentication:\n  x509:\n    clientCaFile: /x\n",
              "/etc/pk.yaml:3:5: authentication.x509.clientCaFile: unknown field");
  expectError("authentication:\n  webhook: {enabled: true}\n",
              "/etc/pk.yaml:2:3: authentication.webhook: unknown field");
}

TEST(ConfigFile, WrongTypesAndBadValuesAreNamed) {
  expectError("port: \"10250\"\n", "/etc/pk.yaml:1:7: port: expected an integer");
  expectError("seccompDefault: maybe\n", "seccompDefault: expected true or false");
  expectError("syncFrequency: 10\n", "syncFrequency: expected a string");
  expectError("syncFrequency: ten seconds\n",
              "/etc/pk.yaml:1:16: syncFrequency: \"ten seconds\" is not a duration");
  expectError("extendedResources: {example.com/dongle: lots}\n",
              "extendedResources.example.com/dongle");
  expectError("cniBinDirs: /opt/cni/bin\n", "cniBinDirs: expected a list");
  expectError("authentication: yes\n", "authentication: expected a mapping");
  expectError("port: 1\nport: 2\n", "port: duplicate key");
  expectError("port: [1\n", "not valid YAML");
  expectError("kind: Pod\n", "kind: \"Pod\" is not PodkeeperConfiguration");
  expectError("apiVersion: v1\n", "apiVersion: \"v1\" is not podkeeper.io/v1alpha1");
}

TEST(ConfigFile, EvictionAndFleetFieldsTakeTheKubeletsShapes) {
  auto f = decode(R"(evictionHard: {memory.available: 500Mi, nodefs.available: "5%"}
evictionSoft: {memory.available: 1Gi}
evictionSoftGracePeriod: {memory.available: 1m30s}
evictionMaxPodGracePeriod: 30
evictionPressureTransitionPeriod: 1m
staticPodURL: https://example.com/pods.yaml
staticPodURLHeader: {Authorization: [Bearer abc], X-Node: one}
etcdEndpoints: [http://127.0.0.1:2379]
nodeName: edge-1
)");
  ASSERT_TRUE(f.ok()) << f.errors();
  const AgentConfig& c = f.config;
  // The file's map replaces the defaults, as the flag does.
  EXPECT_EQ(c.evictionHard, (std::map<std::string, std::string>{{"memory.available", "500Mi"},
                                                                {"nodefs.available", "5%"}}));
  EXPECT_EQ(c.evictionSoft.at("memory.available"), "1Gi");
  EXPECT_EQ(c.evictionSoftGracePeriod.at("memory.available"), "1m30s");
  EXPECT_EQ(c.evictionMaxPodGracePeriod, 30);
  EXPECT_EQ(c.evictionPressureTransitionPeriod, "1m");
  EXPECT_EQ(c.manifestUrl, "https://example.com/pods.yaml");
  EXPECT_EQ(c.manifestUrlHeaders, (std::vector<std::pair<std::string, std::string>>{
                                      {"Authorization", "Bearer abc"}, {"X-Node", "one"}}));
  EXPECT_EQ(c.etcdEndpoints, std::vector<std::string>{"http://127.0.0.1:2379"});
  EXPECT_EQ(c.nodeName, "edge-1");
  EXPECT_TRUE(validateConfig(c)) << validateConfig(c).error().message;
}

TEST(ConfigFile, BadEvictionAndFleetValuesAreNamed) {
  expectError("evictionHard: [memory.available]\n", "evictionHard: expected a mapping");
  expectError("staticPodURLHeader: Authorization\n", "staticPodURLHeader: must be a mapping");
  auto f = decode("evictionHard: {memory.available: lots}\n");
  ASSERT_TRUE(f.ok()) << f.errors();
  EXPECT_FALSE(validateConfig(f.config));
  auto g = decode("etcdEndpoints: [127.0.0.1:2379]\n");
  ASSERT_TRUE(g.ok()) << g.errors();
  auto r = validateConfig(g.config);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("127.0.0.1:2379"), std::string::npos) << r.error().message;
}

TEST(ConfigFile, FlagsGivenOverrideTheFileAndOnlyThose) {
  auto f = decode("port: 1234\nreadOnlyPort: 1235\nsyncFrequency: 30s\n");
  ASSERT_TRUE(f.ok()) << f.errors();
  AgentConfig flags;  // what CLI11 left: defaults, plus the given flags
  flags.port = 4321;
  flags.resyncInterval = 5s;
  auto given = [](const std::string& flag) { return flag == "--port"; };
  AgentConfig c = applyFlags(f, flags, given);
  EXPECT_EQ(c.port, 4321);                    // the flag
  EXPECT_EQ(c.readOnlyPort, 1235);            // the file
  EXPECT_EQ(c.resyncInterval, 30s);           // the file: --resync was not given
  EXPECT_EQ(c.logDir, AgentConfig{}.logDir);  // neither: the default
}

TEST(ConfigFile, ValidationErrorsOfFileValuesPointIntoTheFile) {
  auto f = decode("address: 0.0.0.0\nport: 70000\n");
  ASSERT_TRUE(f.ok()) << f.errors();
  auto r = validateConfig(f.config);
  ASSERT_FALSE(r);
  auto none = [](const std::string&) { return false; };
  EXPECT_EQ(locateConfigError(f, r.error().message, none),
            "/etc/pk.yaml:2:7: port: 70000 is not a port from 0 (off) to 65535");
  // Given as a flag, the message stays the flag's.
  auto port = [](const std::string& flag) { return flag == "--port"; };
  EXPECT_EQ(locateConfigError(f, r.error().message, port), r.error().message);
}

TEST(ConfigFile, PrintedConfigurationReadsBackTheSame) {
  AgentConfig c;
  c.manifestDir = "/srv/m";
  c.clientCaFile = "/ca \"quoted\".pem";
  c.resyncInterval = 3'723'500ms;
  c.admission.extendedResources["example.com/x"] = 2;
  c.registry.insecure = {"localhost:5000"};
  c.listen = "127.0.0.1:0";
  const std::string printed = printConfig(c);
  auto f = decode(printed);
  ASSERT_TRUE(f.ok()) << f.errors() << printed;
  EXPECT_EQ(printConfig(f.config), printed);
  EXPECT_NE(printed.find("syncFrequency: \"1h2m3.5s\""), std::string::npos) << printed;
  EXPECT_NE(printed.find("authentication:\n  x509:\n    clientCAFile:"), std::string::npos);
}

TEST(ConfigFile, TheTemplateIsAllCommentsAndDocumentsEveryFlag) {
  const std::string text = configTemplate();
  auto f = decode(text);
  ASSERT_TRUE(f.ok()) << f.errors();
  EXPECT_EQ(printConfig(f.config), printConfig(AgentConfig{}));
  for (const auto& flag : configFileFlags())
    EXPECT_NE(text.find("(flag " + flag), std::string::npos) << flag;
  EXPECT_NE(text.find("\n# staticPodPath: \"/etc/podkeeper/manifests\"\n"), std::string::npos);
  EXPECT_NE(text.find("\n#     clientCAFile: \"\"\n"), std::string::npos) << text;
}

TEST(GoDuration, ParsesAndFormatsAsTheKubeletWritesThem) {
  EXPECT_EQ(parseGoDuration("10s"), 10s);
  EXPECT_EQ(parseGoDuration("1m0s"), 60s);
  EXPECT_EQ(parseGoDuration("1h30m"), 5400s);
  EXPECT_EQ(parseGoDuration("1.5s"), 1500ms);
  EXPECT_EQ(parseGoDuration("250ms"), 250ms);
  EXPECT_EQ(parseGoDuration("0"), 0ms);
  EXPECT_FALSE(parseGoDuration("10"));
  EXPECT_FALSE(parseGoDuration("s"));
  EXPECT_FALSE(parseGoDuration("10 s"));
  EXPECT_FALSE(parseGoDuration("10d"));
  EXPECT_FALSE(parseGoDuration(""));
  EXPECT_EQ(formatGoDuration(10s), "10s");
  EXPECT_EQ(formatGoDuration(60s), "1m0s");
  EXPECT_EQ(formatGoDuration(3600s), "1h0m0s");
  EXPECT_EQ(formatGoDuration(250ms), "250ms");
  EXPECT_EQ(formatGoDuration(0ms), "0s");
}

}  // namespace
}  // namespace podkeeper::agent
