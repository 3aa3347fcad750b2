#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <cerrno>
#include <chrono>

#include "common/clock.h"
#include "image/registry/registry_client.h"
#include "tests/support/scripted_http_server.h"

// The registry client against registries that misbehave, each scripted by the test.
namespace podkeeper::image::registry {
namespace {

using support::ScriptedHttpServer;
using support::ScriptedReply;
using support::ScriptedRequest;

std::string digestOf(const std::string& data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  std::string out = "sha256:";
  for (unsigned char b : md) {
    static constexpr char hex[] = "0123456789abcdef";
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

class StringTarget final : public BlobTarget {
 public:
  uint64_t written() const override { return data.size(); }
  Result<void> write(std::span<const char> b) override {
    data.append(b.data(), b.size());
    return {};
  }
  Result<void> restart() override {
    data.clear();
    ++restarts;
    return {};
  }
  std::string data;
  int restarts = 0;
};

struct HostileRegistryTest : ::testing::Test {
  SystemClock clock;
  CurlHttpClient http;
  const std::string manifest =
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})";
  const std::string blob = std::string(256 * 1024, 'x') + "end";

  RegistryClient client(const ScriptedHttpServer& server, RegistryOptions o = {}) {
    o.hosts.insecure.push_back(server.host());
    o.retryBase = std::chrono::milliseconds(5);
    return RegistryClient(http, o, AuthFile{}, clock);
  }
  ImageReference ref(const ScriptedHttpServer& s) { return {s.host(), "team/app", "1", ""}; }
};

TEST_F(HostileRegistryTest, ManifestWhoseBytesDoNotMatchTheDigestAskedForIsRefused) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{
        .status = 200,
        .headers = {{"Content-Type", "application/vnd.oci.image.manifest.v1+json"}},
        .body = manifest};
  });
  const std::string other = digestOf("something else");
  auto m = client(s).fetchManifest(ref(s), other);
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, EBADMSG);
  EXPECT_NE(m.error().message.find(digestOf(manifest)), std::string::npos) << m.error().message;
}

TEST_F(HostileRegistryTest, ManifestOverTheSizeLimitIsRefused) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{.status = 200, .headers = {}, .body = std::string(5 << 20, ' ')};
  });
  auto m = client(s).fetchManifest(ref(s), "1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, EFBIG);
  EXPECT_NE(m.error().message.find("limit"), std::string::npos) << m.error().message;
}

TEST_F(HostileRegistryTest, UnauthorizedWithoutChallengeIsEaccesWithTheRegistrysWords) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{
        .status = 401,
        .headers = {},
        .body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
  });
  auto m = client(s).fetchManifest(ref(s), "1");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, EACCES);
  EXPECT_NE(m.error().message.find("authentication required (UNAUTHORIZED)"), std::string::npos)
      << m.error().message;
}

TEST_F(HostileRegistryTest, ServerErrorsAreRetriedWithBackOff) {
  int calls = 0;
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    if (++calls < 3) return ScriptedReply{.status = 503, .headers = {}, .body = "busy"};
    return ScriptedReply{.status = 200, .headers = {}, .body = manifest};
  });
  auto m = client(s).fetchManifest(ref(s), "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(calls, 3);
}

TEST_F(HostileRegistryTest, TruncatedBlobTransferIsResumedWithARange) {
  ScriptedHttpServer s([&](const ScriptedRequest& r) {
    auto range = r.headers.find("range");
    if (range == r.headers.end())  // the first answer breaks off after 1000 bytes of body
      return ScriptedReply{.status = 200, .headers = {}, .body = blob, .sendBytes = 1100};
    const size_t from = std::stoul(range->second.substr(6));
    return ScriptedReply{.status = 206,
                         .headers = {{"Content-Range", "bytes " + std::to_string(from) + "-" +
                                                           std::to_string(blob.size() - 1) + "/" +
                                                           std::to_string(blob.size())}},
                         .body = blob.substr(from)};
  });
  StringTarget target;
  auto r = client(s).fetchBlob(ref(s), digestOf(blob), blob.size(), target);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(target.data, blob);
  EXPECT_EQ(target.restarts, 0);
  ASSERT_EQ(s.requests().size(), 2u);
}

TEST_F(HostileRegistryTest, TruncatedBlobFromAServerThatIgnoresRangesIsFetchedAgainWhole) {
  int calls = 0;
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{
        .status = 200, .headers = {}, .body = blob, .sendBytes = ++calls == 1 ? 5000 : SIZE_MAX};
  });
  StringTarget target;
  auto r = client(s).fetchBlob(ref(s), digestOf(blob), blob.size(), target);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(target.data, blob);
  EXPECT_EQ(target.restarts, 1);
}

TEST_F(HostileRegistryTest, ATransferThatAlwaysBreaksFailsAfterTheRetries) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{.status = 200, .headers = {}, .body = blob, .sendBytes = 3000};
  });
  StringTarget target;
  auto r = client(s).fetchBlob(ref(s), digestOf(blob), blob.size(), target);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EIO) << r.error().message;
  EXPECT_EQ(s.requests().size(), 4u);  // RegistryOptions::attempts
}

TEST_F(HostileRegistryTest, BlobLargerThanItsDescriptorIsRefused) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{.status = 200, .headers = {}, .body = blob};
  });
  StringTarget target;
  auto r = client(s).fetchBlob(ref(s), digestOf(blob), 1000, target);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, EBADMSG) << r.error().message;
}

TEST_F(HostileRegistryTest, AStalledRegistryTimesOutByTheStallLimitNotATotal) {
  ScriptedHttpServer s([&](const ScriptedRequest&) {
    return ScriptedReply{
        .status = 200, .headers = {}, .body = blob, .sendBytes = 2000, .stall = true};
  });
  RegistryOptions o;
  o.limits.lowSpeedSeconds = 1;
  o.attempts = 1;
  StringTarget target;
  const auto start = std::chrono::steady_clock::now();
  auto r = client(s, o).fetchBlob(ref(s), digestOf(blob), blob.size(), target);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ETIMEDOUT) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(HostileRegistryTest, BearerTokenPerRepositoryScopeIsFetchedOnceAndCached) {
  ScriptedHttpServer tokens([&](const ScriptedRequest& r) {
    if (r.headers.count("authorization") == 0 ||
        r.headers.at("authorization") != "Basic " + encodeBase64("pk:pw"))
      return ScriptedReply{.status = 401, .headers = {}, .body = "{}"};
    return ScriptedReply{
        .status = 200, .headers = {}, .body = R"({"token":"tok-1","expires_in":300})"};
  });
  ScriptedHttpServer reg([&](const ScriptedRequest& r) {
    auto auth = r.headers.find("authorization");
    if (auth == r.headers.end() || auth->second != "Bearer tok-1")
      return ScriptedReply{
          .status = 401,
          .headers = {{"WWW-Authenticate",
                       "Bearer realm=\"http://" + tokens.host() +
                           "/token\",service=\"pk-registry\",scope=\"repository:team/app:pull\""}},
          .body = R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})"};
    return ScriptedReply{.status = 200, .headers = {}, .body = manifest};
  });
  RegistryOptions o;
  o.hosts.insecure.push_back(reg.host());
  auto auth = AuthFile::parse(
      R"({"auths":{")" + reg.host() + R"(":{"auth":")" + encodeBase64("pk:pw") + R"("}}})",
      "auth.json");
  ASSERT_TRUE(auth);
  RegistryClient c(http, o, *auth, clock);
  ASSERT_TRUE(c.fetchManifest(ref(reg), "1"));
  ASSERT_TRUE(c.fetchManifest(ref(reg), "1"));
  auto asked = tokens.requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].target, "/token?service=pk-registry&scope=repository%3Ateam%2Fapp%3Apull");
  EXPECT_EQ(reg.requests().size(), 3u);  // 401, with the token, with the cached token

  RegistryClient anonymous(http, o, AuthFile{}, clock);
  auto refused = anonymous.fetchManifest(ref(reg), "1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EACCES);
  EXPECT_NE(refused.error().message.find("unauthorized"), std::string::npos)
      << refused.error().message;
}

TEST_F(HostileRegistryTest, RedirectToAnotherHostDropsTheAuthorizationHeader) {
  ScriptedHttpServer storage([&](const ScriptedRequest&) {
    return ScriptedReply{.status = 200, .headers = {}, .body = blob};
  });
  ScriptedHttpServer reg([&](const ScriptedRequest& r) {
    if (r.headers.count("authorization") == 0)
      return ScriptedReply{
          .status = 401, .headers = {{"WWW-Authenticate", "Basic realm=\"r\""}}, .body = ""};
    return ScriptedReply{.status = 307,
                         .headers = {{"Location", "http://" + storage.host() + "/blob?sig=1"}},
                         .body = ""};
  });
  RegistryOptions o;
  o.hosts.insecure.push_back(reg.host());
  auto auth = AuthFile::parse(
      R"({"auths":{")" + reg.host() + R"(":{"auth":")" + encodeBase64("pk:pw") + R"("}}})",
      "auth.json");
  RegistryClient c(http, o, *auth, clock);
  StringTarget target;
  auto r = c.fetchBlob(ref(reg), digestOf(blob), blob.size(), target);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(target.data, blob);
  ASSERT_EQ(storage.requests().size(), 1u);
  EXPECT_EQ(storage.requests()[0].target, "/blob?sig=1");
  EXPECT_EQ(storage.requests()[0].headers.count("authorization"), 0u);
}

}  // namespace
}  // namespace podkeeper::image::registry
