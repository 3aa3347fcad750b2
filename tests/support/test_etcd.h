#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

// A real etcd for tests: Debian's etcd-server (3.4) started on 127.0.0.1 on free ports, one
// member or a cluster of several, each with its data directory under the test's directory.
// Members can be stopped (SIGKILL) and started again with their data, for outage tests.
// With TLS, clients and peers speak https and must show a client certificate signed by the CA
// (--client-cert-auth, --peer-client-cert-auth), as a production etcd is set up.
namespace podkeeper::support {

struct TestEtcdTls {
  std::string caFile;                 // trusted for client and peer certificates
  std::string certFile, keyFile;      // the members' serving (and peer) certificate
  std::string clientCert, clientKey;  // what ctl() shows
};

class TestEtcd {
 public:
  // Starts `members` members under `dir` and waits until the cluster answers. Throws.
  explicit TestEtcd(const std::string& dir, int members = 1,
                    std::optional<TestEtcdTls> tls = std::nullopt);
  ~TestEtcd();
  TestEtcd(const TestEtcd&) = delete;
  TestEtcd& operator=(const TestEtcd&) = delete;

  // http(s)://127.0.0.1:PORT of each member, comma-separated (the --etcd-endpoints value).
  std::string endpoints() const;
  std::vector<std::string> endpointList() const;
  void kill(int member);   // SIGKILL, waited for
  void start(int member);  // again, with its data
  // etcdctl against the members that run; throws when it fails. Returns its stdout.
  std::string ctl(const std::string& args) const;
  // The members' logs, for failure messages and for counting rejected connections.
  std::string log(int member) const;

 private:
  struct Member {
    std::string name, dataDir, log;
    uint16_t clientPort = 0, peerPort = 0;
    pid_t pid = -1;
  };
  void spawn(Member& m, bool fresh);
  std::string scheme() const { return tls_ ? "https://" : "http://"; }
  std::string ctlFlags() const;
  std::string dir_;
  std::string initialCluster_;
  std::optional<TestEtcdTls> tls_;
  std::vector<Member> members_;
};

}  // namespace podkeeper::support
