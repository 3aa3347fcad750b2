#include "agent/auth/auth_filter.h"

#include <gtest/gtest.h>

#include <map>

namespace podkeeper::auth {
namespace {

using http::HttpRequest;
using http::HttpResponse;

class AuthFilterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto entries = parseTokenFile(
        "metrics-token,prometheus,1\npods-token,oncall,2\nnothing-token,intern,3\n", "t");
    ASSERT_TRUE(entries);
    tokens = TokenTable(*entries);
    auto p = parsePolicy(
        "rules:\n- users: [prometheus]\n  resources: [metrics]\n"
        "- users: [oncall]\n  resources: [pods, log]\n"
        "- groups: [ops]\n  resources: ['*']\n",
        "p");
    ASSERT_TRUE(p);
    policy = std::make_shared<const AuthorizationPolicy>(*p);
  }
  http::Handler filter(bool anonymousMetrics = false) {
    AuthOptions o;
    o.tokens = [this] { return &tokens; };
    o.policy = policy;
    o.anonymousMetrics = anonymousMetrics;
    o.refused = [this](std::string_view reason) { refusals[std::string(reason)]++; };
    return requireAuth([](const HttpRequest&) { return HttpResponse::text(200, "inner"); }, o);
  }
  static HttpRequest get(std::string path, std::string token = "") {
    HttpRequest r;
    r.method = "GET";
    r.path = std::move(path);
    if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
    return r;
  }
  static HttpRequest withCert(std::string path, std::string cn, std::vector<std::string> o) {
    HttpRequest r = get(std::move(path));
    r.peer = http::TlsPeer{std::move(cn), std::move(o)};
    return r;
  }

  TokenTable tokens;
  std::shared_ptr<const AuthorizationPolicy> policy;
  std::map<std::string, int> refusals;
};

TEST_F(AuthFilterTest, EveryRouteByCredentialGetsItsStatus) {
  auto h = filter();
  struct Row {
    const char* path;
    const char* rightToken;  // a token whose user has the route's right
    int anonymous;
  };
  const Row rows[] = {
      {"/healthz", "metrics-token", 200},
      {"/readyz", "metrics-token", 200},
      {"/metrics", "metrics-token", 401},
      {"/metrics/cadvisor", "metrics-token", 401},
      {"/pods", "pods-token", 401},
      {"/pods/default/web", "pods-token", 401},
      {"/pods/default/web/events", "pods-token", 401},
      {"/containerLogs/default/web/app", "pods-token", 401},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.path);
    const bool health = isHealthPath(row.path);
    EXPECT_EQ(h(get(row.path)).status, row.anonymous);
    EXPECT_EQ(h(get(row.path, "wrong")).status, health ? 200 : 401);
    EXPECT_EQ(h(get(row.path, "nothing-token")).status, health ? 200 : 403);
    EXPECT_EQ(h(get(row.path, row.rightToken)).status, 200);
    EXPECT_EQ(h(withCert(row.path, "admin", {"ops"})).status, 200);
    EXPECT_EQ(h(withCert(row.path, "stranger", {"dev"})).status, health ? 200 : 403);
  }
}

TEST_F(AuthFilterTest, RefusalsAreCountedByReasonWithTheReasonInTheAnswer) {
  auto h = filter();
  EXPECT_EQ(h(get("/pods")).status, 401);
  EXPECT_EQ(h(get("/pods", "bad")).status, 401);
  auto forbidden = h(get("/pods", "metrics-token"));
  EXPECT_EQ(forbidden.status, 403);
  EXPECT_NE(forbidden.body.find("user=prometheus"), std::string::npos) << forbidden.body;
  EXPECT_NE(forbidden.body.find("subresource=pods"), std::string::npos);
  EXPECT_EQ(refusals,
            (std::map<std::string, int>{{"anonymous", 1}, {"invalid_token", 1}, {"forbidden", 1}}));
}

TEST_F(AuthFilterTest, AnonymousMetricsOpensMetricsOnly) {
  auto h = filter(true);
  EXPECT_EQ(h(get("/metrics")).status, 200);
  EXPECT_EQ(h(get("/metrics/resource")).status, 200);
  EXPECT_EQ(h(get("/pods")).status, 401);
  EXPECT_EQ(h(get("/metrics", "wrong")).status, 401);
}

TEST_F(AuthFilterTest, UnknownPathsNeedOnlyAuthentication) {
  auto h = filter();
  EXPECT_EQ(h(get("/nope")).status, 401);
  EXPECT_EQ(h(get("/nope", "nothing-token")).status, 200);  // the router then answers 404
}

TEST_F(AuthFilterTest, WithoutAPolicyEveryAuthenticatedIdentityIsAllowed) {
  AuthOptions o;
  o.tokens = [this] { return &tokens; };
  auto h = requireAuth([](const HttpRequest&) { return HttpResponse::text(200, ""); }, o);
  EXPECT_EQ(h(get("/pods", "nothing-token")).status, 200);
  EXPECT_EQ(h(get("/pods")).status, 401);
}

TEST(ResourceOf, MapsPathsToTheKubeletSubresources) {
  EXPECT_EQ(resourceOf("/metrics"), Resource::Metrics);
  EXPECT_EQ(resourceOf("/metricsx"), std::nullopt);
  EXPECT_EQ(resourceOf("/pods"), Resource::Pods);
  EXPECT_EQ(resourceOf("/pods/ns/name/events"), Resource::Pods);
  EXPECT_EQ(resourceOf("/node"), Resource::Pods);
  EXPECT_EQ(resourceOf("/nodes"), std::nullopt);
  EXPECT_EQ(resourceOf("/pods/ns/name/logpath"), Resource::Log);
  EXPECT_EQ(resourceOf("/pods/ns/name/exec"), Resource::Exec);
  EXPECT_EQ(resourceOf("/containerLogs/ns/pod/c"), Resource::Log);
  EXPECT_EQ(resourceOf("/podsx"), std::nullopt);
}

}  // namespace
}  // namespace podkeeper::auth
