#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

// A real etcd for tests: Debian's etcd-server (3.4) started on 127.0.0.1 on free ports, one
// member or a cluster of several, each with its data directory under the test's directory.
// Members can be stopped (SIGKILL) and started again with their data, for outage tests.
namespace podkeeper::support {

class TestEtcd {
 public:
  // Starts `members` members under `dir` and waits until the cluster answers. Throws.
  explicit TestEtcd(const std::string& dir, int members = 1);
  ~TestEtcd();
  TestEtcd(const TestEtcd&) = delete;
  TestEtcd& operator=(const TestEtcd&) = delete;

  // http://127.0.0.1:PORT of each member, comma-separated (the --etcd-endpoints value).
  std::string endpoints() const;
  std::vector<std::string> endpointList() const;
  void kill(int member);   // SIGKILL, waited for
  void start(int member);  // again, with its data
  // etcdctl against the members that run; throws when it fails. Returns its stdout.
  std::string ctl(const std::string& args) const;

 private:
  struct Member {
    std::string name, dataDir, log;
    uint16_t clientPort = 0, peerPort = 0;
    pid_t pid = -1;
  };
  void spawn(Member& m, bool fresh);
  std::string dir_;
  std::string initialCluster_;
  std::vector<Member> members_;
};

}  // namespace podkeeper::support
