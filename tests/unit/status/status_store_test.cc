#include "status/status_store.h"

#include <gtest/gtest.h>

namespace podkeeper::status {
namespace {

TEST(StatusStore, NoWaitingContainersLeavesNoEntryForThePod) {
  StatusStore store;
  store.setWaiting("uid-web", {{"app", "CrashLoopBackOff"}});
  EXPECT_EQ(store.waiting().at("uid-web").at("app"), "CrashLoopBackOff");
  store.setWaiting("uid-web", {});
  EXPECT_FALSE(store.waiting().contains("uid-web"));
}

TEST(StatusStore, ForgettingASandboxDropsItsWaitingAndPreviousInstancesOnly) {
  StatusStore store;
  store.setWaiting("uid-web", {{"app", "CrashLoopBackOff"}});
  store.noteTerminated("uid-web", "app", runtime::ExitRecord{3, 0, false, 0, 0});
  store.noteTerminated("uid-db", "pg", runtime::ExitRecord{1, 0, false, 0, 0});
  store.recordEvent("default/web", PodEvent{1, 0, 1, "Normal", "Started", "Started", "app"});
  store.forgetSandbox("uid-web");
  EXPECT_FALSE(store.waiting().contains("uid-web"));
  EXPECT_FALSE(store.lastTerminated().contains("uid-web"));
  EXPECT_EQ(store.lastTerminated().at("uid-db").at("pg").exitCode, 1);
  EXPECT_EQ(store.events().forPod("default/web").size(), 1u) << "events belong to the key";
  store.forgetPod("default/web");
  EXPECT_TRUE(store.events().forPod("default/web").empty());
}

TEST(StatusStore, LastErrorIsClearedBySuccess) {
  StatusStore store;
  store.setLastError("default/web", "image missing:1 not found");
  EXPECT_EQ(store.lastErrors().at("default/web"), "image missing:1 not found");
  store.clearLastError("default/web");
  EXPECT_FALSE(store.lastErrors().contains("default/web"));
}

TEST(StatusStore, RefusalsAreReplacedAsAWhole) {
  StatusStore store;
  std::map<std::string, manifests::AdmitResult> refused;
  refused["default/web"] = manifests::AdmitResult{};
  store.setRefusals(refused);
  EXPECT_NE(store.refusal("default/web"), nullptr);
  EXPECT_EQ(store.refusal("default/db"), nullptr);
  store.setRefusals({});
  EXPECT_EQ(store.refusal("default/web"), nullptr);
}

TEST(StatusStore, ProbeStatusIsAskedOfItsSourceWhenRead) {
  StatusStore store;
  EXPECT_TRUE(store.probeStatus("uid-web").ready.empty()) << "no source: nothing probed";
  bool ready = false;
  store.setProbeSource([&](const std::string& uid) {
    ProbeStatus s;
    s.ready[uid] = ready;
    return s;
  });
  EXPECT_FALSE(store.probeStatus("uid-web").ready.at("uid-web"));
  ready = true;
  EXPECT_TRUE(store.probeStatus("uid-web").ready.at("uid-web"));
}

}  // namespace
}  // namespace podkeeper::status
