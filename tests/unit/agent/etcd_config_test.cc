#include <gtest/gtest.h>

#include <fstream>

#include "agent/config.h"
#include "tests/support/temp_dir.h"

// The etcd flags checked at start-up: the TLS files named by flag and path (missing, not a
// file, not PEM), and endpoint lists (a mixed http/https list is refused).
namespace podkeeper::agent {
namespace {

std::string refusal(const AgentConfig& c) {
  auto r = validateConfig(c);
  return r ? std::string("accepted") : r.error().message;
}

AgentConfig withEtcd(const std::string& endpoints) {
  AgentConfig c;
  c.etcdEndpoints = {endpoints};
  return c;
}

TEST(EtcdConfig, TlsFilesAreNamedByFlagAndPath) {
  support::TempDir dir("pk-etcd-config");
  std::ofstream(dir.file("ok.pem"))
      << "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  std::ofstream(dir.file("text.pem")) << "hello\n";
  auto c = withEtcd("https://127.0.0.1:2379");
  c.etcdCertFile = dir.file("missing.pem");
  c.etcdKeyFile = dir.file("ok.pem");
  EXPECT_EQ(refusal(c), "--etcd-cert " + dir.file("missing.pem") + ": No such file or directory");
  c.etcdCertFile = dir.file("ok.pem");
  c.etcdKeyFile = dir.path();
  EXPECT_EQ(refusal(c), "--etcd-key " + dir.path() + ": not a regular file");
  c.etcdKeyFile = dir.file("ok.pem");
  c.etcdCaFile = dir.file("text.pem");
  EXPECT_EQ(refusal(c),
            "--etcd-cacert " + dir.file("text.pem") + ": no PEM block (-----BEGIN ...) in it");
  c.etcdCaFile = dir.file("ok.pem");
  EXPECT_EQ(refusal(c), "accepted");
  c.etcdKeyFile = "";
  EXPECT_EQ(refusal(c), "--etcd-cert and --etcd-key go together");
}

TEST(EtcdConfig, OneSchemePerEndpointList) {
  EXPECT_EQ(refusal(withEtcd("http://a:2379,http://b:2379")), "accepted");
  EXPECT_EQ(refusal(withEtcd("https://a:2379,https://b:2379")), "accepted");
  EXPECT_EQ(refusal(withEtcd("http://a:2379,https://b:2379")),
            "--etcd-endpoints: \"http://a:2379\" and \"https://b:2379\" mix http:// and https://; "
            "use one scheme for every member");
  EXPECT_EQ(refusal(withEtcd("a:2379")), "--etcd-endpoints: \"a:2379\" is not http(s)://host:port");
}

}  // namespace
}  // namespace podkeeper::agent
