#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

// A real registry for tests: Debian's docker-registry (the CNCF distribution registry) started
// on 127.0.0.1 on a free port with a config written into the test's directory (storage there
// too), optionally with TLS (a CA and a server certificate made with openssl) and htpasswd Basic
// auth; and test images built offline (busybox-static, umoci) and pushed with skopeo.
namespace podkeeper::support {

struct TestRegistryOptions {
  bool tls = false;  // serve https with a certificate signed by caFile()
  std::string user;  // with a password: htpasswd Basic auth
  std::string password;
  // With tls: clients must present a certificate signed by caFile() (tls.clientcas);
  // clientCertDir() holds one (client.cert, client.key), as certs.d/HOST:PORT does.
  bool clientCerts = false;
};

class TestRegistry {
 public:
  // Starts the registry under `dir` and waits until it answers /v2/. Throws when it cannot.
  TestRegistry(const std::string& dir, TestRegistryOptions options = {});
  ~TestRegistry();
  TestRegistry(const TestRegistry&) = delete;
  TestRegistry& operator=(const TestRegistry&) = delete;

  uint16_t port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }  // HOST:PORT
  const std::string& caFile() const { return caFile_; }                      // "" without TLS
  std::string clientCertDir() const { return dir_ + "/client"; }
  // skopeo copy of `source` ("oci:DIR:TAG") to NAME:TAG here; throws on failure.
  void push(const std::string& source, const std::string& nameTag) const;
  std::string log() const;

 private:
  std::string dir_, caFile_;
  TestRegistryOptions options_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

// Builds the busybox test image (scripts/build-busybox-image.sh) as an OCI layout image at
// `layoutDir` tagged `tag`, its config set by umoci config flags (e.g. "--config.cmd=/bin/sh",
// "--config.env=A=1"); `extraFile`, when not empty, is written at /etc/extra with that content
// (to make a different image). Returns the skopeo source "oci:<layoutDir>:<tag>". Throws.
std::string buildBusyboxOci(const std::string& layoutDir, const std::string& tag,
                            const std::vector<std::string>& configFlags = {},
                            const std::string& extraFile = "");

}  // namespace podkeeper::support
