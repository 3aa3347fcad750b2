#pragma once

#include <string>
#include <vector>

// Certificates made with the openssl command for tests of the HTTPS port: a CA, a serving
// certificate for localhost/127.0.0.1 signed by it, and client certificates (CN = user,
// O = groups) signed by it or by a second, untrusted CA.
namespace podkeeper::support {

class TestPki {
 public:
  // Creates dir/ca.crt, ca.key, server.crt, server.key (and an untrusted CA) in dir.
  explicit TestPki(std::string dir);

  std::string caFile() const { return dir_ + "/ca.crt"; }
  std::string serverCert() const { return dir_ + "/server.crt"; }
  std::string serverKey() const { return dir_ + "/server.key"; }

  struct Client {
    std::string certFile;
    std::string keyFile;
  };
  // A client certificate for user with groups; untrusted: signed by the other CA.
  Client client(const std::string& user, const std::vector<std::string>& groups,
                bool untrusted = false);

 private:
  void run(const std::string& command);
  std::string dir_;
};

}  // namespace podkeeper::support
