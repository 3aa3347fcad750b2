#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "manifests/decode.h"
#include "test_util.h"

// Inputs written to hurt the decoder: each must end in diagnostics, never a crash or hang.
namespace podkeeper::manifests {
namespace {

using namespace testing::decoder_names;

// Nested Lists of Pods are the one shape the decoder walks to any depth: nine aliases per
// level, ten levels, is 9^10 pods if walked.
TEST(HostileInput, BillionLaughsOfNestedListsIsRefused) {
  std::string yaml =
      "x:\n  l0: &l0 {apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: "
      "[{name: a, image: b}]}}\n";
  for (int i = 1; i <= 10; ++i) {
    yaml += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " {kind: List, items: [";
    for (int j = 0; j < 9; ++j) yaml += std::string(j ? "," : "") + "*l" + std::to_string(i - 1);
    yaml += "]}\n";
  }
  yaml += "kind: List\napiVersion: v1\nitems: [*l10]\n";
  DecodeResult r = decode(yaml);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(errors(r), Contains(HasSubstr("aliases expanding exponentially")));
}

// Containers x env entries: a few KiB of aliases that describe a million env entries.
TEST(HostileInput, AliasedContainersTimesEnvIsRefused) {
  std::string envs = "[";
  for (int i = 0; i < 1000; ++i) envs += std::string(i ? "," : "") + "*e";
  std::string containers = "[";
  for (int i = 0; i < 1000; ++i) containers += std::string(i ? "," : "") + "*c";
  std::string yaml = "apiVersion: v1\nkind: Pod\nx:\n  e: &e {name: A, value: lol}\n  es: &es " +
                     envs + "]\n  c: &c {name: c, image: i, env: *es}\nmetadata: {name: a}\n" +
                     "spec:\n  containers: " + containers + "]\n";
  DecodeResult r = decode(yaml);
  EXPECT_THAT(errors(r), Contains(HasSubstr("aliases expanding exponentially")));
}

TEST(HostileInput, AliasedHugeStringIsRefusedByTheTextBudget) {
  std::string big(512 * 1024, 'x');
  std::string yaml = std::string(kMinimalPod) + "    args: [&s \"" + big + "\"";
  for (int i = 0; i < 64; ++i) yaml += ", *s";
  yaml += "]\n";
  DecodeResult r = decode(yaml);
  EXPECT_THAT(errors(r), Contains(HasSubstr("MiB of text")));
}

TEST(HostileInput, DeepNestingIsAnErrorNotAStackOverflow) {
  std::string yaml = std::string(kMinimalPod) + "    args: " + std::string(100000, '[') +
                     std::string(100000, ']') + "\n";
  DecodeResult r = decode(yaml);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.pods, IsEmpty());
}

TEST(HostileInput, DeepNestingOfMappingsIsAnError) {
  std::string yaml = std::string(kMinimalPod) + "  x: ";
  for (int i = 0; i < 50000; ++i) yaml += "{a: ";
  yaml += std::string(50000, '}') + "\n";
  EXPECT_FALSE(decode(yaml).ok());
}

TEST(HostileInput, HugeStringIsDecodedWithoutTruncation) {
  std::string arg(900 * 1024, 'y');
  DecodeResult r = decode(std::string(kMinimalPod) + "    args: [\"" + arg + "\"]\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.pods[0].pod.spec.containers[0].args[0].size(), arg.size());
}

TEST(HostileInput, BinaryJunkIsRejected) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) & 0xff);
  DecodeResult r = decode(junk);
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.pods, IsEmpty());
}

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040).
TEST(HostileInput, StrayTopLevelCommaIsAnErrorNotAHang) {
  for (const char* yaml : {",", ",\n", "[a],", "{}\n,"}) {
    DecodeResult r = decode(yaml);
    EXPECT_THAT(errors(r), Contains(HasSubstr("not valid YAML"))) << yaml;
  }
  DecodeResult r = decode(std::string(kMinimalPod) + ",\n");
  EXPECT_THAT(errors(r), ElementsAre(HasSubstr("pod.yaml:9:1: not valid YAML")));
}

TEST(HostileInput, NulByteIsRejected) {
  std::string yaml = kMinimalPod;
  yaml[20] = '\0';
  EXPECT_THAT(errors(decode(yaml)), Contains(HasSubstr("contains a NUL byte")));
}

TEST(HostileInput, WrongTypesAtEveryLevelAreReportedNotThrown) {
  const char* cases[] = {
      "[1, 2]\n",
      "apiVersion: v1\nkind: Pod\nmetadata: []\nspec: 3\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: [a]}\nspec: {containers: {a: b}}\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: [x]}\nspec: {containers: [1, \"s\", "
      "[x]]}\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: {}, image: [], "
      "ports: {}, env: 3, resources: {limits: []}, command: \"x\", livenessProbe: []}]}\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {volumes: [{name: v, hostPath: 1}], "
      "securityContext: {sysctls: {a: b}, runAsUser: x}, hostNetwork: maybe, priority: 1.5}\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: b, "
      "securityContext: {capabilities: {add: [{}]}, runAsUser: 99999999999999999999}}]}\n",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: a, image: b, "
      "readinessProbe: {httpGet: {port: [80]}, periodSeconds: 3000000000}}]}\n",
      "{? [a, b] : c, apiVersion: v1, kind: Pod}\n",
  };
  for (const char* yaml : cases) {
    DecodeResult r = decode(yaml);
    EXPECT_FALSE(r.ok()) << yaml;
    EXPECT_THAT(r.pods, IsEmpty()) << yaml;
    for (const auto& d : r.diagnostics) EXPECT_FALSE(d.message.empty()) << yaml;
  }
}

TEST(HostileInput, NamesThatCouldEscapeADirectoryAreRejected) {
  for (const char* name : {"a/b", "..", "../etc", "a..b", "Upper", "-lead", "a_b", "\"\\0x\""}) {
    std::string yaml = std::string(kMinimalPod);
    yaml.replace(yaml.find("name: web"), 9, std::string("name: ") + name);
    DecodeResult r = decode(yaml);
    EXPECT_THAT(errors(r), Contains(HasSubstr("metadata.name:"))) << name;
  }
}

TEST(HostileInput, UidThatCouldEscapeADirectoryIsRejected) {
  for (const char* uid : {"../x", "a/b", ".hidden", "\"a\\0b\""}) {
    std::string yaml = std::string(kMinimalPod);
    yaml.replace(yaml.find("name: web"), 9, std::string("name: web\n  uid: ") + uid);
    EXPECT_THAT(errors(decode(yaml)), Contains(HasSubstr("metadata.uid:"))) << uid;
  }
}

TEST(HostileInput, ContainerNameWithSlashOrUpperCaseIsRejected) {
  for (const char* name : {"a/b", "App", "..", "a.b"}) {
    std::string yaml = std::string(kMinimalPod);
    yaml.replace(yaml.find("name: app"), 9, std::string("name: \"") + name + "\"");
    EXPECT_THAT(errors(decode(yaml)), Contains(HasSubstr("spec.containers[0].name:"))) << name;
  }
}

}  // namespace
}  // namespace podkeeper::manifests
