#include "image/registry/registry_hosts.h"

#include <gtest/gtest.h>

#include <set>

#include "image/registry/registry_client.h"

namespace podkeeper::image::registry {
namespace {

TEST(RegistryEndpoint, HttpsWithCertsDirFiles) {
  std::set<std::string> files{"/c/reg:5000/ca.crt", "/c/reg:5000/client.cert",
                              "/c/reg:5000/client.key"};
  auto ep = registryEndpoint("reg:5000", {"/c", {}},
                             [&](const std::string& p) { return files.contains(p); });
  EXPECT_EQ(ep.baseUrl, "https://reg:5000");
  EXPECT_EQ(ep.tls.caFile, "/c/reg:5000/ca.crt");
  EXPECT_EQ(ep.tls.certFile, "/c/reg:5000/client.cert");
  EXPECT_EQ(ep.tls.keyFile, "/c/reg:5000/client.key");
}

TEST(RegistryEndpoint, ClientCertNeedsItsKey) {
  auto ep = registryEndpoint("reg", {"/c", {}},
                             [](const std::string& p) { return p == "/c/reg/client.cert"; });
  EXPECT_EQ(ep.tls, TlsFiles{});
}

TEST(RegistryEndpoint, InsecureRegistryIsPlainHttpAndDockerHubIsRegistry1) {
  auto any = [](const std::string&) { return true; };
  EXPECT_EQ(registryEndpoint("127.0.0.1:5000", {"/c", {"127.0.0.1:5000"}}, any),
            (RegistryEndpoint{"http://127.0.0.1:5000", {}}));
  EXPECT_EQ(registryEndpoint("127.0.0.1:5001", {"/c", {"127.0.0.1:5000"}}, any).baseUrl,
            "https://127.0.0.1:5001");
  EXPECT_EQ(registryEndpoint("docker.io", {"/c", {}}, any).baseUrl, "https://registry-1.docker.io");
}

TEST(Urls, AuthorityAndRedirectLocations) {
  EXPECT_EQ(urlAuthority("https://u:p@h.example:443/v2/x?y"), "h.example:443");
  EXPECT_EQ(urlAuthority("http://h"), "h");
  EXPECT_EQ(urlAuthority("/relative"), "");
  EXPECT_EQ(resolveLocation("http://a:1/v2/x/blobs/d", "/store/d?sig=1"),
            "http://a:1/store/d?sig=1");
  EXPECT_EQ(resolveLocation("http://a:1/v2/x", "https://s3.example/b"), "https://s3.example/b");
  EXPECT_EQ(resolveLocation("https://a/v2/x", "//cdn.example/b"), "https://cdn.example/b");
}

TEST(RegistryErrorText, RegistrysOwnWords) {
  EXPECT_EQ(
      registryErrorText(
          R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{}}]})"),
      "manifest unknown (MANIFEST_UNKNOWN)");
  EXPECT_EQ(registryErrorText(R"({"errors":[{"code":"UNAUTHORIZED"}]})"), "UNAUTHORIZED");
  EXPECT_EQ(registryErrorText("<html>"), "");
}

}  // namespace
}  // namespace podkeeper::image::registry
