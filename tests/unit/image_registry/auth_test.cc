#include <gtest/gtest.h>

#include "image/registry/auth_challenge.h"
#include "image/registry/auth_file.h"

namespace podkeeper::image::registry {
namespace {

TEST(AuthChallenge, BearerParamsAreReadWithQuotesAndCommas) {
  auto c = parseAuthChallenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->scheme, "bearer");
  EXPECT_EQ(c->params.at("realm"), "https://auth.example/token");
  EXPECT_EQ(c->params.at("service"), "registry.example");
  EXPECT_EQ(c->params.at("scope"), "repository:a/b:pull,push");
}

TEST(AuthChallenge, BasicSchemeIsCaseInsensitive) {
  auto c = parseAuthChallenge(R"(BASIC realm="Registry Realm")");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->scheme, "basic");
  EXPECT_EQ(c->params.at("realm"), "Registry Realm");
}

TEST(AuthChallenge, BearerWithoutRealmIsAnErrorQuotingTheHeader) {
  auto c = parseAuthChallenge(R"(Bearer service="x")");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("service=\"x\""), std::string::npos);
}

TEST(AuthChallenge, UnterminatedQuoteIsAnError) {
  EXPECT_FALSE(parseAuthChallenge(R"(Bearer realm="https://x)"));
}

TEST(TokenResponse, TokenOrAccessTokenAndExpiry) {
  auto t = parseTokenResponse(R"({"access_token":"abc","expires_in":300})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->token, "abc");
  EXPECT_EQ(t->expiresInSeconds, 300);
  auto d = parseTokenResponse(R"({"token":"x"})");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->expiresInSeconds, 60);
  EXPECT_FALSE(parseTokenResponse(R"({"expires_in":3})"));
  EXPECT_FALSE(parseTokenResponse("not json"));
}

TEST(Base64, RoundTripsAndRefusesGarbage) {
  for (std::string s : {"", "a", "ab", "abc", "user:p@ss:word"})
    EXPECT_EQ(decodeBase64(encodeBase64(s)).value(), s);
  EXPECT_EQ(encodeBase64("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(decodeBase64("abc"));
  EXPECT_FALSE(decodeBase64("a=bc"));
  EXPECT_FALSE(decodeBase64("ab!c"));
}

TEST(AuthFile, MostSpecificKeyWinsAndDockerHubAliasesMatch) {
  auto f = AuthFile::parse(R"({"auths": {
      "reg.example:5000": {"auth": "aG9zdDpwdw=="},
      "reg.example:5000/team": {"auth": "dGVhbTpwdw=="},
      "https://index.docker.io/v1/": {"auth": "aHViOnB3"},
      "other": {"identitytoken": "x"}}})",
                           "auth.json");
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->lookup("reg.example:5000", "team/app")->username, "team");
  EXPECT_EQ(f->lookup("reg.example:5000", "solo/app")->username, "host");
  EXPECT_EQ(f->lookup("docker.io", "library/busybox")->username, "hub");
  EXPECT_FALSE(f->lookup("reg.example", "team/app"));
  EXPECT_FALSE(f->lookup("other", "x"));
}

TEST(AuthFile, BadEntryNamesFileAndKey) {
  auto f = AuthFile::parse(R"({"auths": {"reg": {"auth": "bm9jb2xvbg=="}}})", "/etc/a.json");
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("/etc/a.json: auths[\"reg\"].auth"), std::string::npos);
  EXPECT_FALSE(AuthFile::parse("[]", "x"));
}

TEST(AuthFile, MissingFileIsEmpty) {
  auto f = AuthFile::load("/nonexistent/auth.json");
  ASSERT_TRUE(f);
  EXPECT_TRUE(f->empty());
}

TEST(AuthFile, DefaultFilesInPodmansOrder) {
  EXPECT_EQ(
      defaultAuthFiles("/run/user/0", "/root"),
      (std::vector<std::string>{"/etc/containers/auth.json", "/run/user/0/containers/auth.json",
                                "/root/.docker/config.json"}));
  EXPECT_EQ(defaultAuthFiles(nullptr, ""), std::vector<std::string>{"/etc/containers/auth.json"});
}

}  // namespace
}  // namespace podkeeper::image::registry
