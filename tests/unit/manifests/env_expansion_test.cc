#include "manifests/env_expansion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

namespace podkeeper::manifests {
namespace {

using ::testing::ElementsAre;

std::string expand(const std::string& in, const std::map<std::string, std::string>& vars) {
  return expandVariables(in, [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ExpandVariables, KnownReferenceIsReplaced) {
  EXPECT_EQ(expand("x=$(A)!", {{"A", "1"}}), "x=1!");
}

TEST(ExpandVariables, UnknownReferenceIsLeftAsWritten) {
  EXPECT_EQ(expand("$(MISSING) $(A)", {{"A", "1"}}), "$(MISSING) 1");
}

TEST(ExpandVariables, DoubleDollarEscapesAReference) {
  EXPECT_EQ(expand("$$(A) $$ $", {{"A", "1"}}), "$(A) $ $");
}

TEST(ExpandVariables, UnclosedReferenceIsLiteral) { EXPECT_EQ(expand("$(A", {{"A", "1"}}), "$(A"); }

TEST(ExpandVariables, ShellVariablesAreLeftAlone) {
  EXPECT_EQ(expand("echo $HOME ${A}", {{"A", "1"}}), "echo $HOME ${A}");
}

Pod samplePod() {
  Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "prod";
  pod.metadata.labels = {{"team", "core"}};
  Container c;
  c.name = "app";
  c.resources.limits.memoryBytes = 64LL << 20;
  c.env = {EnvVar{"NAME", "",
                  EnvVarSource{ObjectFieldSelector{"metadata.name"}, std::nullopt, std::nullopt}},
           EnvVar{"TEAM", "",
                  EnvVarSource{ObjectFieldSelector{"metadata.labels['team']"}, std::nullopt,
                               std::nullopt}},
           EnvVar{"IP", "",
                  EnvVarSource{ObjectFieldSelector{"status.podIP"}, std::nullopt, std::nullopt}},
           EnvVar{"MEM", "",
                  EnvVarSource{std::nullopt, ResourceFieldSelector{"", "limits.memory", "1Mi"},
                               std::nullopt}},
           EnvVar{"CPU", "",
                  EnvVarSource{std::nullopt, ResourceFieldSelector{"", "limits.cpu", "1m"},
                               std::nullopt}},
           EnvVar{"GREETING", "hi $(NAME) from $(TEAM), later $(LATER)", std::nullopt},
           EnvVar{"LATER", "x", std::nullopt}};
  c.command = {"echo", "$(GREETING)"};
  c.args = {"$(IP)", "$$(IP)"};
  pod.spec.containers = {c};
  return pod;
}

TEST(ResolveContainer, DownwardApiAndReferencesResolveInOrder) {
  Pod pod = samplePod();
  NodeFacts node{"node-1", "10.0.0.5", "192.168.1.2", 4000, 8LL << 30, 0};
  Container c = resolveContainer(pod, "uid-1", pod.spec.containers[0], node);
  std::vector<std::string> values;
  for (const auto& e : c.env) values.push_back(e.name + "=" + e.value);
  EXPECT_THAT(values, ElementsAre("NAME=web", "TEAM=core", "IP=10.0.0.5", "MEM=64", "CPU=4000",
                                  "GREETING=hi web from core, later $(LATER)", "LATER=x"));
  EXPECT_THAT(c.command, ElementsAre("echo", "hi web from core, later $(LATER)"));
  EXPECT_THAT(c.args, ElementsAre("10.0.0.5", "$(IP)"));
  for (const auto& e : c.env) EXPECT_FALSE(e.valueFrom.has_value());
}

TEST(ResolveContainer, MetadataUidIsThePodsEffectiveUid) {
  Pod pod = samplePod();
  pod.spec.containers[0].env = {EnvVar{
      "UID", "", EnvVarSource{ObjectFieldSelector{"metadata.uid"}, std::nullopt, std::nullopt}}};
  Container c = resolveContainer(pod, "derived-uid", pod.spec.containers[0], NodeFacts{});
  EXPECT_EQ(c.env[0].value, "derived-uid");
}

}  // namespace
}  // namespace podkeeper::manifests
