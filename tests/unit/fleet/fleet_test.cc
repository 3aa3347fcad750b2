// The fleet's layout, view and targets (pure), the status writer and the `fleet` commands
// against an in-memory etcd (tests/support/fake_etcd.h).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "agent/cli/fleet_commands.h"
#include "fleet/fleet_layout.h"
#include "fleet/status_writer.h"
#include "tests/support/fake_etcd.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_for.h"

namespace podkeeper::fleet {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json podStatus(const std::string& name, const std::string& phase) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "busybox"}}})}}},
          {"status", {{"phase", phase}, {"podIP", "10.0.0.9"}}}};
}

TEST(FleetLayout, KeysAndTheViewReadBack) {
  EXPECT_EQ(desiredKey("/pk", "n1", "default", "web"), "/pk/nodes/n1/pods/default_web");
  EXPECT_EQ(desiredKey("/pk", "", "default", "web"), "/pk/all/pods/default_web");
  EXPECT_EQ(podStatusKey("/pk", "n1", "default", "web"), "/pk/status/n1/pods/default_web");
  NodeFacts f{"n1", "10.0.0.1", "0.0.0.0:10255", 4, 8ull << 30, "0.1.0", 0};
  auto view = parseFleetView(
      "/pk", {{nodeRecordKey("/pk", "n1"), nodeRecord(f, true, 1).dump()},
              {podStatusKey("/pk", "n1", "default", "web"), podStatus("web", "Running").dump()},
              {"/pk/status/n2/pods/default_x", "not json"},  // skipped, not fatal
              {"/pk/other", "{}"}});
  ASSERT_EQ(view.nodes.size(), 1u);
  ASSERT_EQ(view.pods.size(), 1u);
  EXPECT_EQ(view.pods[0].first, "n1");
  // 0.0.0.0 becomes the node's address.
  auto targets = fileSdTargets(view);
  ASSERT_EQ(targets.size(), 1u);
  EXPECT_EQ(targets[0]["targets"][0], "10.0.0.1:10255");
  EXPECT_EQ(targets[0]["labels"]["node"], "n1");
}

TEST(FleetLayout, EnvValuesNeverReachEtcd) {
  json pod = podStatus("web", "Running");
  pod["spec"]["containers"][0]["env"] = json::array(
      {{{"name", "TOKEN"}, {"value", "s3cret"}},
       {{"name", "FROM"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
       {{"name", "EMPTY"}}});
  pod["spec"]["initContainers"] =
      json::array({{{"name", "i"}, {"env", json::array({{{"name", "K"}, {"value", "v2"}}})}}});
  std::string out = redactEnv(pod).dump();
  EXPECT_EQ(out.find("s3cret"), std::string::npos) << out;
  EXPECT_EQ(out.find("v2"), std::string::npos) << out;
  EXPECT_EQ(out.find("fieldPath"), std::string::npos) << out;
  EXPECT_NE(out.find("TOKEN"), std::string::npos) << out;
  EXPECT_EQ(redactEnv(pod)["status"], pod["status"]);
}

TEST(FleetStatusWriter, WritesUnderALeaseOnlyWhatChangedAndAgainAfterTheLeaseExpired) {
  auto fake = std::make_unique<support::FakeEtcd>();
  auto* etcd = fake.get();
  FleetStatusWriter w(std::move(fake), {"/pk", "n1", 10, 0ms});
  w.start();
  w.offer({{"node", "N"}, {"pods/default_a", "A"}, {"pods/default_b", "B"}});
  ASSERT_TRUE(support::waitFor([&] { return etcd->keys().size() == 3; }, 10s));
  int64_t lease = etcd->leaseOf("/pk/status/n1/node");
  EXPECT_NE(lease, 0);
  EXPECT_EQ(etcd->leaseOf("/pk/status/n1/pods/default_a"), lease);
  // One pod changes, one goes: one put, one delete.
  int before = etcd->puts;
  w.offer({{"node", "N"}, {"pods/default_a", "A2"}});
  ASSERT_TRUE(support::waitFor([&] { return etcd->keys().size() == 2; }, 10s));
  EXPECT_EQ(etcd->keys()["/pk/status/n1/pods/default_a"], "A2");
  EXPECT_EQ(etcd->puts - before, 1);
  // The lease expires (etcd was away longer than the TTL): a new lease, everything again.
  etcd->expire(lease);
  EXPECT_TRUE(etcd->keys().empty());
  w.offer({{"node", "N"}, {"pods/default_a", "A2"}});
  ASSERT_TRUE(support::waitFor([&] { return etcd->keys().size() == 2; }, 20s));
  EXPECT_NE(etcd->leaseOf("/pk/status/n1/node"), lease);
  w.stop();
}

struct Cli {
  CLI::App app;
  cli::FleetCommands commands{app};
  support::FakeEtcd etcd;
  std::string out, err;
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), "podkeeper");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    app.parse(int(argv.size()), const_cast<char**>(argv.data()));
    std::ostringstream o, e;
    int rc = commands.run(etcd, o, e);
    out = o.str();
    err = e.str();
    return rc;
  }
};

TEST(FleetCommands, ApplyPutsOneKeyPerPodAndDeleteRemovesIt) {
  support::TempDir d("pk-fleet-cli");
  std::ofstream(d.file("pods.yaml"))
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n"
         "spec: {containers: [{name: c, image: busybox}]}\n---\n"
         "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: ns}\n"
         "spec: {containers: [{name: c, image: busybox}]}\n";
  {
    Cli c;
    ASSERT_EQ(c.run({"fleet", "apply", "-f", d.file("pods.yaml"), "--all"}), 0) << c.err;
    auto keys = c.etcd.keys();
    ASSERT_TRUE(keys.contains("/podkeeper/all/pods/default_a"));
    ASSERT_TRUE(keys.contains("/podkeeper/all/pods/ns_b"));
    EXPECT_NE(keys["/podkeeper/all/pods/ns_b"].find("name: b"), std::string::npos);
    EXPECT_EQ(keys["/podkeeper/all/pods/default_a"].find("name: b"), std::string::npos);
  }
  {
    Cli c;
    c.etcd.put("/pk/nodes/n1/pods/default_a", "x", 0);
    ASSERT_EQ(c.run({"fleet", "delete", "pod", "a", "--node", "n1", "--etcd-prefix", "/pk"}), 0)
        << c.err;
    EXPECT_TRUE(c.etcd.keys().empty());
    Cli again;
    EXPECT_EQ(again.run({"fleet", "delete", "pod", "a", "--node", "n1"}), 1);
    EXPECT_NE(again.err.find("not found"), std::string::npos);
  }
  {
    // A broken file is refused before anything is written.
    std::ofstream(d.file("bad.yaml")) << "kind: Pod\nmetadata: {name: x}\n";
    Cli c;
    EXPECT_EQ(c.run({"fleet", "apply", "-f", d.file("bad.yaml"), "--node", "n1"}), 1);
    EXPECT_TRUE(c.etcd.keys().empty());
    Cli nowhere;
    EXPECT_EQ(nowhere.run({"fleet", "apply", "-f", d.file("pods.yaml")}), 2);
  }
}

TEST(FleetCommands, GetPodsHasANodeColumnAndGetNodesListsTheNodes) {
  Cli c;
  NodeFacts f{"n1", "10.0.0.1", "", 4, 1 << 30, "0.1.0", 0};
  c.etcd.put(nodeRecordKey("/podkeeper", "n1"), nodeRecord(f, true, 1).dump(), 0);
  c.etcd.put(podStatusKey("/podkeeper", "n1", "default", "web"), podStatus("web", "Running").dump(),
             0);
  c.etcd.put(podStatusKey("/podkeeper", "n2", "default", "web"), podStatus("web", "Pending").dump(),
             0);
  ASSERT_EQ(c.run({"fleet", "get", "pods", "-o", "wide"}), 0) << c.err;
  EXPECT_NE(c.out.find("NODE"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("Running"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("n2"), std::string::npos) << c.out;
  EXPECT_NE(c.out.find("10.0.0.9"), std::string::npos) << c.out;
  Cli nodes;
  nodes.etcd.put(nodeRecordKey("/podkeeper", "n1"), nodeRecord(f, true, 1).dump(), 0);
  ASSERT_EQ(nodes.run({"fleet", "get", "nodes"}), 0) << nodes.err;
  EXPECT_NE(nodes.out.find("n1"), std::string::npos);
  EXPECT_NE(nodes.out.find("Ready"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::fleet
