#include "agent/http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "agent/http/gzip.h"

namespace podkeeper::http {
namespace {

HttpRequest request(std::string method, std::string path) {
  HttpRequest r;
  r.method = std::move(method);
  r.path = path;
  r.target = std::move(path);
  return r;
}

Handler says(std::string body) {
  return [body](const HttpRequest&) { return HttpResponse::text(200, body); };
}

TEST(Router, ExactRouteAnswers) {
  Router r;
  r.add("GET", "/healthz", healthz);
  HttpResponse res = r.handle(request("GET", "/healthz"));
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.body, "ok");
}

TEST(Router, UnknownPathIs404) {
  Router r;
  r.add("GET", "/metrics", says("m"));
  EXPECT_EQ(r.handle(request("GET", "/metricsx")).status, 404);
}

TEST(Router, ExactRouteDoesNotMatchSubpaths) {
  Router r;
  r.add("GET", "/metrics", says("m"));
  EXPECT_EQ(r.handle(request("GET", "/metrics/cadvisor")).status, 404);
}

TEST(Router, ExactRouteBeatsPrefixAndLongestPrefixWins) {
  Router r;
  r.add("GET", "/metrics/*", says("prefix"));
  r.add("GET", "/metrics/cadvisor", says("exact"));
  r.add("GET", "/metrics/deep/*", says("deep"));
  EXPECT_EQ(r.handle(request("GET", "/metrics/cadvisor")).body, "exact");
  EXPECT_EQ(r.handle(request("GET", "/metrics/other")).body, "prefix");
  EXPECT_EQ(r.handle(request("GET", "/metrics/deep/x")).body, "deep");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router r;
  r.add("GET", "/pods", says("p"));
  HttpResponse res = r.handle(request("POST", "/pods"));
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.header("allow"), "GET, HEAD");
}

TEST(Router, HeadUsesTheGetRouteAndOmitsTheBody) {
  Router r;
  r.add("GET", "/metrics", says("twelve bytes"));
  HttpResponse res = r.handle(request("HEAD", "/metrics"));
  EXPECT_EQ(res.status, 200);
  EXPECT_TRUE(res.omitBody);
  EXPECT_EQ(res.body.size(), 12u);  // Content-Length still describes the GET body
}

TEST(Router, GzipWhenTheClientAcceptsIt) {
  Router r;
  r.add("GET", "/metrics", says(std::string(4000, 'x')));
  HttpRequest req = request("GET", "/metrics");
  req.headers.emplace_back("accept-encoding", "gzip");
  HttpResponse res = r.handle(req);
  EXPECT_EQ(res.header("content-encoding"), "gzip");
  auto plain = gzipDecompress(res.body);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, std::string(4000, 'x'));
}

TEST(Router, PlainBodyWithoutAcceptEncoding) {
  Router r;
  r.add("GET", "/metrics", says("abc"));
  HttpResponse res = r.handle(request("GET", "/metrics"));
  EXPECT_EQ(res.header("content-encoding"), "");
  EXPECT_EQ(res.header("vary"), "Accept-Encoding");
  EXPECT_EQ(res.body, "abc");
}

TEST(Router, ThrowingHandlerIs500) {
  Router r;
  r.add("GET", "/x", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("b"); });
  EXPECT_EQ(r.handle(request("GET", "/x")).status, 500);
}

TEST(Router, ObserverSeesThePatternNotTheRawPath) {
  Router r;
  r.add("GET", "/logs/*", says("l"));
  std::vector<std::pair<std::string, int>> seen;
  r.onResponse([&](const std::string& p, int s) { seen.emplace_back(p, s); });
  r.handle(request("GET", "/logs/a/b"));
  r.handle(request("GET", "/nope"));
  r.handle(request("PUT", "/logs/a"));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(std::string("/logs/*"), 200));
  EXPECT_EQ(seen[1], std::make_pair(std::string(""), 404));
  EXPECT_EQ(seen[2], std::make_pair(std::string("/logs/*"), 405));
}

}  // namespace
}  // namespace podkeeper::http
