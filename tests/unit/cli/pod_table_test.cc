#include "agent/cli/pod_table.h"

#include <gtest/gtest.h>

#include "agent/cli/get_pods.h"

namespace podkeeper::cli {
namespace {

using nlohmann::json;
constexpr int64_t kNow = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20Z

json pod(const std::string& name, json containerStatuses, std::string phase = "Running") {
  json containers = json::array();
  for (const auto& s : containerStatuses) containers.push_back({{"name", s["name"]}});
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"containers", containers}, {"nodeName", "node1"}}},
          {"status",
           {{"phase", phase},
            {"startTime", "2023-11-14T22:08:20Z"},
            {"podIP", "192.0.2.10"},
            {"containerStatuses", containerStatuses}}}};
}

json runningStatus(const std::string& name, int restarts = 0) {
  return {{"name", name},
          {"ready", true},
          {"restartCount", restarts},
          {"state", {{"running", {{"startedAt", "2023-11-14T22:08:20Z"}}}}}};
}

json waitingStatus(const std::string& name, const std::string& reason) {
  return {
      {"name", name},
      {"ready", false},
      {"restartCount", 4},
      {"state", {{"waiting", {{"reason", reason}}}}},
      {"lastState", {{"terminated", {{"exitCode", 1}, {"finishedAt", "2023-11-14T22:10:20Z"}}}}}};
}

json terminatedStatus(const std::string& name, int code, const std::string& reason) {
  return {{"name", name},
          {"ready", false},
          {"restartCount", 0},
          {"state", {{"terminated", {{"exitCode", code}, {"reason", reason}}}}}};
}

TEST(PodRow, RunningPodShowsReadyCountRestartsAndAge) {
  PodRow row = podRow(pod("web", {runningStatus("app"), runningStatus("side")}), kNow);
  EXPECT_EQ(row.ready, "2/2");
  EXPECT_EQ(row.status, "Running");
  EXPECT_EQ(row.restarts, "0");
  EXPECT_EQ(row.age, "5m");
}

TEST(PodRow, CrashLoopShowsTheWaitingReasonAndWhenItLastRestarted) {
  PodRow row = podRow(pod("web", {waitingStatus("app", "CrashLoopBackOff")}), kNow);
  EXPECT_EQ(row.ready, "0/1");
  EXPECT_EQ(row.status, "CrashLoopBackOff");
  EXPECT_EQ(row.restarts, "4 (3m ago)");
}

TEST(PodStatusReason, TerminatedReasonsAsKubectlShowsThem) {
  EXPECT_EQ(podStatusReason(pod("a", {terminatedStatus("c", 0, "Completed")}, "Succeeded")),
            "Completed");
  EXPECT_EQ(podStatusReason(pod("a", {terminatedStatus("c", 1, "Error")}, "Failed")), "Error");
  EXPECT_EQ(podStatusReason(pod("a", {terminatedStatus("c", 2, "")}, "Failed")), "ExitCode:2");
}

TEST(PodStatusReason, PendingPodWithoutStatusesIsPending) {
  EXPECT_EQ(podStatusReason(pod("a", json::array(), "Pending")), "Pending");
}

TEST(PodStatusReason, CompletedSidecarWithARunningContainerIsRunningWhenReady) {
  json p = pod("a", {runningStatus("app"), terminatedStatus("job", 0, "Completed")});
  p["status"]["conditions"] = {{{"type", "Ready"}, {"status", "True"}}};
  EXPECT_EQ(podStatusReason(p), "Running");
  p["status"]["conditions"] = json::array();
  EXPECT_EQ(podStatusReason(p), "NotReady");
}

TEST(PodStatusReason, DeletionTimestampMeansTerminating) {
  json p = pod("a", {runningStatus("app")});
  p["metadata"]["deletionTimestamp"] = "2023-11-14T22:13:00Z";
  EXPECT_EQ(podStatusReason(p), "Terminating");
}

TEST(PodStatusReason, InitContainersShowProgress) {
  json p = pod("a", {waitingStatus("app", "PodInitializing")}, "Pending");
  p["spec"]["initContainers"] = {{{"name", "one"}}, {{"name", "two"}}};
  p["status"]["initContainerStatuses"] = {terminatedStatus("one", 0, "Completed"),
                                          runningStatus("two")};
  EXPECT_EQ(podStatusReason(p), "Init:1/2");
  p["status"]["initContainerStatuses"][1] = waitingStatus("two", "CrashLoopBackOff");
  EXPECT_EQ(podStatusReason(p), "Init:CrashLoopBackOff");
}

TEST(RenderPodTable, ColumnsArePaddedLikeKubectl) {
  std::vector<PodRow> rows{{"default", "web", "1/1", "Running", "0", "5m", "", ""}};
  EXPECT_EQ(renderPodTable(rows, {}),
            "NAME   READY   STATUS    RESTARTS   AGE\n"
            "web    1/1     Running   0          5m\n");
}

TEST(RenderPodTable, AllNamespacesAndWideAddColumns) {
  std::vector<PodRow> rows{
      {"kube-system", "etcd", "1/1", "Running", "0", "5m", "192.0.2.10", "node1"}};
  EXPECT_EQ(renderPodTable(rows, {true, true}),
            "NAMESPACE     NAME   READY   STATUS    RESTARTS   AGE   IP           NODE\n"
            "kube-system   etcd   1/1     Running   0          5m    192.0.2.10   node1\n");
}

TEST(FormatPods, FiltersByNamespaceUnlessAllNamespaces) {
  json list = {{"kind", "PodList"}, {"items", {pod("web", {runningStatus("app")})}}};
  list["items"][0]["metadata"]["namespace"] = "prod";
  GetPodsOptions o;
  EXPECT_EQ(formatPods(list, o, kNow).value(), "No resources found in default namespace.\n");
  o.allNamespaces = true;
  EXPECT_NE(formatPods(list, o, kNow).value().find("prod"), std::string::npos);
}

TEST(FormatPods, OneNamedPodAsJsonIsThePodItself) {
  json list = {{"kind", "PodList"}, {"items", {pod("web", {runningStatus("app")})}}};
  GetPodsOptions o;
  o.output = "json";
  o.names = {"web"};
  EXPECT_EQ(json::parse(formatPods(list, o, kNow).value())["metadata"]["name"], "web");
}

TEST(FormatPods, UnknownNameIsNotFound) {
  GetPodsOptions o;
  o.names = {"nope"};
  auto r = formatPods({{"items", json::array()}}, o, kNow);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "Error from server (NotFound): pods \"nope\" not found");
}

TEST(FormatPods, UnknownOutputFormatIsRefused) {
  GetPodsOptions o;
  o.output = "xml";
  EXPECT_FALSE(formatPods({{"items", json::array()}}, o, kNow));
}

}  // namespace
}  // namespace podkeeper::cli
