#include "runtime/exec/exec_target.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

TEST(ExecTargetJson, RoundTripsEverythingTheCliNeedsToJoinAContainer) {
  ExecTarget t;
  t.pid = 4242;
  t.pidStartTime = 987654;
  t.cgroupPath = "podkeeper/burstable/poduid/app";
  t.identity.capabilityMask = 0x3fff;
  t.identity.noNewPrivileges = false;
  t.identity.uid = 1000;
  t.identity.gid = 1000;
  t.identity.groups = {1000, 10};
  t.identity.seccompProgram = {{0x20, 0, 0, 4}, {0x15, 1, 2, 0xc000003e}, {0x06, 0, 0, 0}};
  t.env = {"PATH=/bin", "HOSTNAME=web"};
  t.workingDir = "/srv";
  auto back = decodeExecTarget(nlohmann::json::parse(encodeExecTarget(t).dump()), "exec target");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->pid, t.pid);
  EXPECT_EQ(back->pidStartTime, t.pidStartTime);
  EXPECT_EQ(back->cgroupPath, t.cgroupPath);
  EXPECT_EQ(back->identity.capabilityMask, t.identity.capabilityMask);
  EXPECT_EQ(back->identity.noNewPrivileges, false);
  EXPECT_EQ(back->identity.uid, t.identity.uid);
  EXPECT_EQ(back->identity.gid, t.identity.gid);
  EXPECT_EQ(back->identity.groups, t.identity.groups);
  ASSERT_EQ(back->identity.seccompProgram.size(), 3u);
  EXPECT_EQ(back->identity.seccompProgram[1].code, 0x15);
  EXPECT_EQ(back->identity.seccompProgram[1].jt, 1);
  EXPECT_EQ(back->identity.seccompProgram[1].jf, 2);
  EXPECT_EQ(back->identity.seccompProgram[1].k, 0xc000003eu);
  EXPECT_EQ(back->env, t.env);
  EXPECT_EQ(back->workingDir, "/srv");
}

TEST(ExecTargetJson, RootUserStaysUnsetAndAMissingPidIsNamed) {
  ExecTarget t;
  t.pid = 1;
  t.cgroupPath = "x";
  auto j = encodeExecTarget(t);
  auto back = decodeExecTarget(j, "exec target");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->identity.uid);
  j.erase("pid");
  auto bad = decodeExecTarget(j, "exec target");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("\"pid\""), std::string::npos) << bad.error().message;
}

TEST(ExecTargetJson, ATornOrNonHexSeccompProgramIsNamed) {
  ExecTarget t;
  t.pid = 1;
  t.cgroupPath = "x";
  t.identity.seccompProgram = {{0x06, 0, 0, 0}};
  auto j = encodeExecTarget(t);
  j["identity"]["seccompProgram"] = "0600";
  auto torn = decodeExecTarget(j, "exec target");
  ASSERT_FALSE(torn);
  EXPECT_NE(torn.error().message.find("\"seccompProgram\""), std::string::npos)
      << torn.error().message;
  j["identity"]["seccompProgram"] = "zz00000000000000";
  auto bad = decodeExecTarget(j, "exec target");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("not lowercase hex"), std::string::npos)
      << bad.error().message;
}

}  // namespace
}  // namespace podkeeper::runtime
