#include "probe/http_probe.h"

#include <gtest/gtest.h>

namespace podkeeper::probe {
namespace {

HandlerSpec httpGet(std::string address = "127.0.0.1", int port = 8080) {
  HandlerSpec s;
  s.kind = HandlerKind::HttpGet;
  s.address = std::move(address);
  s.port = port;
  s.path = "/healthz?full=1";
  return s;
}

TEST(HttpProbeRequest, CarriesTheKubeletsHostUserAgentAndAccept) {
  EXPECT_EQ(httpProbeRequest(httpGet()),
            "GET /healthz?full=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
            "User-Agent: kube-probe/1.31\r\nAccept: */*\r\nConnection: close\r\n\r\n");
}

TEST(HttpProbeRequest, GivenHeadersReplaceTheDefaultsAndIpv6IsBracketed) {
  auto s = httpGet("::1", 80);
  s.headers = {{"host", "app.local"}, {"X-Probe", "1"}, {"User-Agent", "mine"}};
  EXPECT_EQ(httpProbeRequest(s),
            "GET /healthz?full=1 HTTP/1.1\r\nAccept: */*\r\nConnection: close\r\n"
            "host: app.local\r\nX-Probe: 1\r\nUser-Agent: mine\r\n\r\n");
  s.headers.clear();
  EXPECT_NE(httpProbeRequest(s).find("Host: [::1]:80\r\n"), std::string::npos);
  EXPECT_EQ(probeUrl(s), "http://[::1]:80/healthz?full=1");
}

TEST(HttpResponseHead, IncompleteUntilTheBlankLine) {
  EXPECT_FALSE(parseHttpResponseHead("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"));
  auto head = parseHttpResponseHead("HTTP/1.1 204 No Content\r\ncontent-length:  12 \r\n\r\nok");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 204);
  EXPECT_EQ(head->contentLength, 12u);
  EXPECT_EQ(head->size, 49u);  // 25 + 22 + 2
}

TEST(HttpResponseHead, NotHttpIsStatusZero) {
  auto head = parseHttpResponseHead("SSH-2.0-OpenSSH\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 0);
  EXPECT_EQ(httpProbeResult(*head, "").outcome, HandlerOutcome::Failure);
}

struct StatusCase {
  int status;
  HandlerOutcome outcome;
  std::string message;
};

TEST(HttpProbeResult, StatusCodesAsTheKubeletJudgesThem) {
  const StatusCase cases[] = {
      {200, HandlerOutcome::Success, "body"},
      {299, HandlerOutcome::Success, "body"},
      {301, HandlerOutcome::Warning, "Probe terminated redirects, Response body: body"},
      {399, HandlerOutcome::Warning, "Probe terminated redirects, Response body: body"},
      {199, HandlerOutcome::Failure, "HTTP probe failed with statuscode: 199"},
      {404, HandlerOutcome::Failure, "HTTP probe failed with statuscode: 404"},
      {503, HandlerOutcome::Failure, "HTTP probe failed with statuscode: 503"},
  };
  for (const auto& c : cases) {
    HttpResponseHead head{c.status, 10, std::nullopt};
    auto r = httpProbeResult(head, "body");
    EXPECT_EQ(r.outcome, c.outcome) << c.status;
    EXPECT_EQ(r.message, c.message) << c.status;
  }
}

TEST(HttpProbeResult, BodyIsCutAtTenKiB) {
  HttpResponseHead head{200, 10, std::nullopt};
  EXPECT_EQ(httpProbeResult(head, std::string(20000, 'x')).message.size(), kMaxProbeBodyBytes);
}

}  // namespace
}  // namespace podkeeper::probe

namespace podkeeper::probe {
namespace {

TEST(ProbeServerName, IsTheHostHeadersHostElseTheNamedHostAndNoneForAddresses) {
  HandlerSpec s;
  s.https = true;
  EXPECT_EQ(probeServerName(s), "");
  s.serverName = "localhost";
  EXPECT_EQ(probeServerName(s), "localhost");
  s.headers = {{"host", "api.example:6443"}};
  EXPECT_EQ(probeServerName(s), "api.example");
  s.headers = {{"Host", "etcd.example"}};
  EXPECT_EQ(probeServerName(s), "etcd.example");
  s.headers = {{"Host", "10.0.0.10:6443"}};
  EXPECT_EQ(probeServerName(s), "");
  s.headers = {{"Host", "[::1]:6443"}};
  EXPECT_EQ(probeServerName(s), "");
  EXPECT_EQ(probeUrl(s), "https://127.0.0.1:0/");
}

}  // namespace
}  // namespace podkeeper::probe
