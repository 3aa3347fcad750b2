#include "agent/auth/token_file.h"

#include <gtest/gtest.h>

namespace podkeeper::auth {
namespace {

TEST(TokenFile, ParsesTheApiServerFormatWithQuotedGroups) {
  auto entries = parseTokenFile(
      "s3cret,alice,1001,\"ops,system:monitoring\"\n\nt0ken,bob,1002\r\nx,carol,3,dev\n",
      "tokens.csv");
  ASSERT_TRUE(entries) << entries.error().message;
  ASSERT_EQ(entries->size(), 3u);
  EXPECT_EQ((*entries)[0].token, "s3cret");
  EXPECT_EQ((*entries)[0].identity.user, "alice");
  EXPECT_EQ((*entries)[0].uid, "1001");
  EXPECT_EQ((*entries)[0].identity.groups, (std::vector<std::string>{"ops", "system:monitoring"}));
  EXPECT_TRUE((*entries)[1].identity.groups.empty());
  EXPECT_EQ((*entries)[2].identity.groups, std::vector<std::string>{"dev"});
}

TEST(TokenFile, ErrorsNameFileAndLine) {
  auto short_ = parseTokenFile("a,b,c\nonly,two\n", "/etc/tokens.csv");
  ASSERT_FALSE(short_);
  EXPECT_NE(short_.error().message.find("/etc/tokens.csv:2: expected token,user,uid"),
            std::string::npos)
      << short_.error().message;
  auto unclosed = parseTokenFile("a,b,c,\"g1,g2\n", "t.csv");
  ASSERT_FALSE(unclosed);
  EXPECT_NE(unclosed.error().message.find("t.csv:1: a quoted field is not closed"),
            std::string::npos);
  EXPECT_FALSE(parseTokenFile(",bob,1\n", "t.csv"));
}

TEST(TokenTable, FindsTheIdentityOfAKnownTokenOnly) {
  auto entries = parseTokenFile("s3cret,alice,1,ops\nother,bob,2\n", "t");
  ASSERT_TRUE(entries);
  TokenTable table(*entries);
  auto who = table.authenticate("s3cret");
  ASSERT_TRUE(who);
  EXPECT_EQ(who->user, "alice");
  EXPECT_EQ(who->groups, std::vector<std::string>{"ops"});
  EXPECT_EQ(table.authenticate("other")->user, "bob");
  EXPECT_FALSE(table.authenticate("s3cre"));
  EXPECT_FALSE(table.authenticate(""));
  EXPECT_FALSE(TokenTable().authenticate("s3cret"));
}

}  // namespace
}  // namespace podkeeper::auth
