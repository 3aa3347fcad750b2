#include "image/registry/registry_client.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cerrno>

#include "common/clock.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_registry.h"

namespace podkeeper::image::registry {
namespace {

using support::TempDir;
using support::TestRegistry;

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

ImageReference ref(const std::string& domain, const std::string& path, const std::string& tag) {
  return ImageReference{domain, path, tag, ""};
}

struct RegistryClientTest : ::testing::Test {
  TempDir dir{"pk-registry"};
  SystemClock clock;
  CurlHttpClient http;
  RegistryOptions options() {
    RegistryOptions o;
    o.hosts.certsDir = dir.file("certs.d");
    o.retryBase = std::chrono::milliseconds(10);
    return o;
  }
};

TEST_F(RegistryClientTest, ManifestAndBlobsOverPlainHttpForAnInsecureRegistry) {
  TestRegistry reg(dir.file("reg"));
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1", {"--config.cmd=/bin/sh"}), "bb:1");
  auto o = options();
  o.hosts.insecure = {reg.host()};
  RegistryClient client(http, o, AuthFile{}, clock);
  auto m = client.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_TRUE(m->digest.starts_with("sha256:"));
  EXPECT_NE(m->body.find("layers"), std::string::npos);
  auto byDigest = client.fetchManifest(ref(reg.host(), "bb", "1"), m->digest);
  ASSERT_TRUE(byDigest) << byDigest.error().message;
  EXPECT_EQ(byDigest->body, m->body);
}

TEST_F(RegistryClientTest, UnknownTagIsManifestUnknownInTheRegistrysWords) {
  TestRegistry reg(dir.file("reg"));
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1"), "bb:1");
  auto o = options();
  o.hosts.insecure = {reg.host()};
  RegistryClient client(http, o, AuthFile{}, clock);
  auto m = client.fetchManifest(ref(reg.host(), "bb", "nope"), "nope");
  ASSERT_FALSE(m);
  EXPECT_EQ(m.error().code, ENOENT);
  EXPECT_NE(m.error().message.find("manifest unknown"), std::string::npos) << m.error().message;
}

TEST_F(RegistryClientTest, TlsWithTheCaFromCertsDir) {
  TestRegistry reg(dir.file("reg"), {.tls = true, .user = "", .password = ""});
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1"), "bb:1");
  RegistryClient without(http, options(), AuthFile{}, clock);
  auto refused = without.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_FALSE(refused);  // not a CA the system trusts
  ::mkdir(dir.file("certs.d").c_str(), 0755);
  ::mkdir(dir.file("certs.d/" + reg.host()).c_str(), 0755);
  ASSERT_EQ(::link(reg.caFile().c_str(), dir.file("certs.d/" + reg.host() + "/ca.crt").c_str()), 0);
  RegistryClient with(http, options(), AuthFile{}, clock);
  auto m = with.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_TRUE(m) << m.error().message;
}

TEST_F(RegistryClientTest, AClientCertificateInCertsDirIsPresentedWithoutAFlag) {
  TestRegistry reg(dir.file("reg"), {.tls = true, .user = "", .password = "", .clientCerts = true});
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1"), "bb:1");
  const std::string hostDir = dir.file("certs.d/" + reg.host());
  ::mkdir(dir.file("certs.d").c_str(), 0755);
  ::mkdir(hostDir.c_str(), 0755);
  ASSERT_EQ(::link(reg.caFile().c_str(), (hostDir + "/ca.crt").c_str()), 0);
  RegistryClient without(http, options(), AuthFile{}, clock);
  auto refused = without.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_FALSE(refused);  // the server asks for a certificate this client does not have
  EXPECT_EQ(refused.error().code, EPROTO) << refused.error().message;
  EXPECT_NE(refused.error().message.find("asks for a TLS client certificate"), std::string::npos)
      << refused.error().message;
  for (const char* f : {"client.cert", "client.key"})
    ASSERT_EQ(::link((reg.clientCertDir() + "/" + f).c_str(), (hostDir + "/" + f).c_str()), 0);
  RegistryClient with(http, options(), AuthFile{}, clock);
  auto m = with.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_TRUE(m) << m.error().message;
}

TEST_F(RegistryClientTest, BasicAuthWithCredentialsFromAuthJson) {
  TestRegistry reg(dir.file("reg"), {.tls = true, .user = "pk", .password = "s3cret"});
  reg.push(support::buildBusyboxOci(dir.file("oci"), "1"), "bb:1");
  ::mkdir(dir.file("certs.d").c_str(), 0755);
  ::mkdir(dir.file("certs.d/" + reg.host()).c_str(), 0755);
  ASSERT_EQ(::link(reg.caFile().c_str(), dir.file("certs.d/" + reg.host() + "/ca.crt").c_str()), 0);
  RegistryClient anonymous(http, options(), AuthFile{}, clock);
  auto refused = anonymous.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, EACCES);
  EXPECT_NE(refused.error().message.find("UNAUTHORIZED"), std::string::npos)
      << refused.error().message;
  auto auth = AuthFile::parse(
      R"({"auths":{")" + reg.host() + R"(":{"auth":")" + encodeBase64("pk:s3cret") + R"("}}})",
      "auth.json");
  ASSERT_TRUE(auth);
  RegistryClient client(http, options(), *auth, clock);
  auto m = client.fetchManifest(ref(reg.host(), "bb", "1"), "1");
  ASSERT_TRUE(m) << m.error().message;
}

}  // namespace
}  // namespace podkeeper::image::registry
