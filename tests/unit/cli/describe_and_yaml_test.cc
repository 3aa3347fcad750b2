#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "agent/cli/describe_pod.h"
#include "agent/cli/yaml_output.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;
constexpr int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json crashingPod() {
  return json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
    "spec": {"nodeName": "node1",
             "containers": [{"name": "app", "image": "busybox", "command": ["false"],
                             "resources": {"limits": {"cpu": "500m"}}}]},
    "status": {"phase": "Running", "hostIP": "192.0.2.10", "podIP": "192.0.2.10",
               "podIPs": [{"ip": "192.0.2.10"}], "qosClass": "Burstable",
               "startTime": "2023-11-14T22:08:20Z",
               "conditions": [{"type": "Ready", "status": "False"}],
               "containerStatuses": [{"name": "app", "ready": false, "restartCount": 3,
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                 "lastState": {"terminated": {"exitCode": 1, "reason": "Error",
                   "startedAt": "2023-11-14T22:10:00Z", "finishedAt": "2023-11-14T22:10:01Z"}}}]}
  })");
}

json backOffEvents() {
  return json::parse(R"({"kind": "EventList", "items": [
    {"type": "Warning", "reason": "BackOff", "message": "Back-off restarting failed container",
     "count": 5, "firstTimestamp": "2023-11-14T22:09:20Z",
     "lastTimestamp": "2023-11-14T22:12:20Z", "source": {"component": "kubelet"}}]})");
}

TEST(DescribePod, ShowsIdentityStatusAndNode) {
  std::string text = describePod(crashingPod(), backOffEvents(), kNow);
  EXPECT_TRUE(has(text, "Name:             web\n")) << text;
  EXPECT_TRUE(has(text, "Node:             node1/192.0.2.10\n")) << text;
  EXPECT_TRUE(has(text, "Labels:           app=web\n")) << text;
  EXPECT_TRUE(has(text, "Status:           CrashLoopBackOff\n")) << text;
  EXPECT_TRUE(has(text, "QoS Class:        Burstable\n")) << text;
}

TEST(DescribePod, ShowsContainerStateLastStateAndRestarts) {
  std::string text = describePod(crashingPod(), backOffEvents(), kNow);
  EXPECT_TRUE(has(text, "    State:          Waiting\n      Reason:       CrashLoopBackOff\n"))
      << text;
  EXPECT_TRUE(has(text, "    Last State:     Terminated\n      Reason:       Error\n")) << text;
  EXPECT_TRUE(has(text, "      Exit Code:    1\n")) << text;
  EXPECT_TRUE(has(text, "    Restart Count:  3\n")) << text;
  EXPECT_TRUE(has(text, "    Command:\n      false\n")) << text;
  EXPECT_TRUE(has(text, "    Limits:\n      cpu:      500m\n")) << text;
}

TEST(DescribePod, EventsTableFoldsRepeatsAsKubectlDoes) {
  std::string text = describePod(crashingPod(), backOffEvents(), kNow);
  EXPECT_TRUE(has(text, "  Warning   BackOff   60s (x5 over 4m)   kubelet   Back-off restarting"))
      << text;
}

TEST(DescribePod, NoEventsSaysNone) {
  EXPECT_TRUE(has(describePod(crashingPod(), json::object(), kNow), "Events:           <none>"));
}

TEST(ToYaml, RoundTripsTypesAndQuotesAmbiguousStrings) {
  json value = {{"name", "web"}, {"port", 80},  {"ready", true},   {"version", "1.0"},
                {"flag", "yes"}, {"empty", ""}, {"list", {"a", 2}}};
  YAML::Node back = YAML::Load(toYaml(value));
  EXPECT_EQ(back["name"].as<std::string>(), "web");
  EXPECT_EQ(back["port"].as<int>(), 80);
  EXPECT_EQ(back["ready"].as<bool>(), true);
  EXPECT_EQ(back["version"].Tag(), "!");  // quoted: stays a string
  EXPECT_EQ(back["flag"].Tag(), "!");
  EXPECT_EQ(back["empty"].as<std::string>(), "");
  EXPECT_EQ(back["list"][1].as<int>(), 2);
}

TEST(ToYaml, EmptyCollectionsStayOnTheirKeysLine) {
  EXPECT_EQ(toYaml({{"lastState", json::object()}, {"items", json::array()}}),
            "items: []\nlastState: {}\n");
}

}  // namespace
}  // namespace podkeeper::cli
