#include "runtime/exec/join_plan.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

JoinPlan fullPlan() {
  JoinPlan p;
  p.argv = {"sh", "-c", "echo hi"};
  p.env = {"PATH=/bin", std::string("LATIN1=caf\xe9", 11), ""};
  p.workingDir = "/srv";
  p.identity.capabilityMask = 0xa80425fb;
  p.identity.noNewPrivileges = false;
  p.identity.uid = 1000;
  p.identity.gid = 2000;
  p.identity.groups = {2000, 3000};
  p.identity.seccompProgram = {{0x20, 0, 0, 4}, {0x06, 0, 0, 0x7fff0000}};
  return p;
}

TEST(JoinPlan, RoundTripsTheCommandAndTheWholeIdentity) {
  const JoinPlan p = fullPlan();
  auto back = decodeJoinPlan(encodeJoinPlan(p));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->argv, p.argv);
  EXPECT_EQ(back->env, p.env);
  EXPECT_EQ(back->workingDir, "/srv");
  EXPECT_EQ(back->identity.capabilityMask, p.identity.capabilityMask);
  EXPECT_FALSE(back->identity.noNewPrivileges);
  EXPECT_EQ(back->identity.uid, p.identity.uid);
  EXPECT_EQ(back->identity.gid, p.identity.gid);
  EXPECT_EQ(back->identity.groups, p.identity.groups);
  ASSERT_EQ(back->identity.seccompProgram.size(), 2u);
  EXPECT_EQ(back->identity.seccompProgram[1].k, 0x7fff0000u);
}

TEST(JoinPlan, UnsetUserAndNoFilterStayUnset) {
  JoinPlan p;
  p.argv = {"true"};
  auto back = decodeJoinPlan(encodeJoinPlan(p));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_FALSE(back->identity.uid);
  EXPECT_FALSE(back->identity.gid);
  EXPECT_TRUE(back->identity.seccompProgram.empty());
  EXPECT_TRUE(back->identity.noNewPrivileges);
}

TEST(JoinPlan, EveryTruncationIsAnErrorNamingAField) {
  const std::string text = encodeJoinPlan(fullPlan());
  for (size_t len = 0; len < text.size(); ++len) {
    auto r = decodeJoinPlan(std::string_view(text).substr(0, len));
    ASSERT_FALSE(r) << "decoded from " << len << " of " << text.size() << " bytes";
    EXPECT_NE(r.error().message.find("join plan: field \""), std::string::npos)
        << r.error().message;
  }
}

TEST(JoinPlan, TrailingBytesAreAnError) {
  auto r = decodeJoinPlan(encodeJoinPlan(fullPlan()) + "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("trailing"), std::string::npos) << r.error().message;
}

TEST(JoinPlan, AHugeCountIsAnErrorNotAnAllocation) {
  std::string text = encodeJoinPlan(fullPlan());
  // The argv count follows the length-prefixed magic.
  const size_t at = 4 + std::string_view("pk-join-1\n").size();
  text[at] = text[at + 1] = text[at + 2] = text[at + 3] = '\xff';
  auto r = decodeJoinPlan(text);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("\"argv\""), std::string::npos) << r.error().message;
}

TEST(JoinPlan, AnEmptyCommandIsAnError) {
  JoinPlan p;
  auto r = decodeJoinPlan(encodeJoinPlan(p));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("empty command"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace podkeeper::runtime
