#include "runtime/image/image_user.h"

#include <gtest/gtest.h>

namespace podkeeper::runtime {
namespace {

constexpr std::string_view kPasswd =
    "# the image's users\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "\n"
    "app:x:1000:1000:App:/home/app:/bin/sh\r\n"
    "broken:x:notanumber:1:::\n"
    "short:x:5\n"
    "nohome:x:1001:1001:::/bin/sh\n";

constexpr std::string_view kGroup =
    "root:x:0:\n"
    "app:x:1000:\n"
    "audio:x:29:app,other\n"
    "video:x:44:other\n"
    "staff:x:50:nohome,app\n"
    "bad:x:x:app\n";

TEST(ImageUser, ParsesPasswdSkippingCommentsBlankAndMalformedLines) {
  const auto p = parsePasswd(kPasswd);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0], (PasswdEntry{"root", 0, 0, "/root"}));
  EXPECT_EQ(p[1], (PasswdEntry{"app", 1000, 1000, "/home/app"}));
  EXPECT_EQ(p[2], (PasswdEntry{"nohome", 1001, 1001, ""}));
  EXPECT_TRUE(parsePasswd("").empty());
}

TEST(ImageUser, ParsesGroupMembers) {
  const auto g = parseGroup(kGroup);
  ASSERT_EQ(g.size(), 5u);
  EXPECT_EQ(g[2], (GroupEntry{"audio", 29, {"app", "other"}}));
  EXPECT_TRUE(g[0].members.empty());
}

TEST(ImageUser, NameResolvesWithHomeAndSupplementaryGroups) {
  auto r = resolveUser("app", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (ResolvedUser{1000, 1000, {29, 50}, "/home/app"}));
}

TEST(ImageUser, NumericUserInPasswdTakesItsGroupAndHome) {
  auto r = resolveUser("1000", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gid, 1000u);
  EXPECT_EQ(r->home, "/home/app");
}

TEST(ImageUser, NumericUserMissingFromPasswdIsRootGroupAndSlashHome) {
  auto r = resolveUser("4242", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (ResolvedUser{4242, 0, {}, "/"}));
  r = resolveUser("4242:7", {}, {});  // missing files: nothing to look up
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (ResolvedUser{4242, 7, {}, "/"}));
}

TEST(ImageUser, ExplicitGroupByNameOrIdAndNoSupplementaryGroups) {
  auto r = resolveUser("app:video", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gid, 44u);
  EXPECT_TRUE(r->additionalGids.empty());
  r = resolveUser("app:12", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->gid, 12u);
}

TEST(ImageUser, UnknownNamesAreErrorsNamingThem) {
  auto r = resolveUser("ghost", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "user \"ghost\" is not in the image's /etc/passwd");
  r = resolveUser("app:ghosts", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "group \"ghosts\" is not in the image's /etc/group");
}

TEST(ImageUser, EmptyUserIsRoot) {
  auto r = resolveUser("", parsePasswd(kPasswd), parseGroup(kGroup));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (ResolvedUser{0, 0, {}, "/root"}));
}

TEST(ImageUser, NumericImageUid) {
  EXPECT_EQ(numericImageUid(""), 0);
  EXPECT_EQ(numericImageUid("1000"), 1000);
  EXPECT_EQ(numericImageUid("1000:1000"), 1000);
  EXPECT_EQ(numericImageUid("app"), std::nullopt);
  EXPECT_EQ(numericImageUid("app:0"), std::nullopt);
}

}  // namespace
}  // namespace podkeeper::runtime
