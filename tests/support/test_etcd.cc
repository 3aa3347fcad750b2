#include "tests/support/test_etcd.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>

#include "tests/support/command.h"
#include "tests/support/http_get.h"
#include "tests/support/text.h"
#include "tests/support/wait_for.h"

namespace podkeeper::support {

TestEtcd::TestEtcd(const std::string& dir, int members, std::optional<TestEtcdTls> tls)
    : dir_(dir), tls_(std::move(tls)) {
  for (int i = 0; i < members; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.dataDir = dir + "/" + m.name + ".etcd";
    m.log = dir + "/" + m.name + ".log";
    m.clientPort = freeLoopbackPort();
    m.peerPort = freeLoopbackPort();
    while (m.peerPort == m.clientPort) m.peerPort = freeLoopbackPort();
    initialCluster_ +=
        (i ? "," : "") + m.name + "=" + scheme() + "127.0.0.1:" + std::to_string(m.peerPort);
    members_.push_back(m);
  }
  for (auto& m : members_) spawn(m, true);
  bool up = waitFor(
      [&] {
        return runShell("ETCDCTL_API=3 etcdctl --endpoints=" + endpoints() + ctlFlags() +
                        " --command-timeout=2s endpoint health >/dev/null 2>&1")
                   .exitCode == 0;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  if (!up) throw std::runtime_error("etcd did not become healthy; see " + dir + "/m*.log");
}

TestEtcd::~TestEtcd() {
  for (int i = 0; i < int(members_.size()); ++i) kill(i);
}

void TestEtcd::spawn(Member& m, bool fresh) {
  std::string client = scheme() + "127.0.0.1:" + std::to_string(m.clientPort);
  std::string peer = scheme() + "127.0.0.1:" + std::to_string(m.peerPort);
  std::vector<std::string> argv{"/usr/bin/etcd",
                                "--name",
                                m.name,
                                "--data-dir",
                                m.dataDir,
                                "--listen-client-urls",
                                client,
                                "--advertise-client-urls",
                                client,
                                "--listen-peer-urls",
                                peer,
                                "--initial-advertise-peer-urls",
                                peer,
                                "--initial-cluster",
                                initialCluster_,
                                "--initial-cluster-state",
                                fresh ? "new" : "existing",
                                "--initial-cluster-token",
                                "pk-test-" + std::to_string(::getpid()),
                                "--heartbeat-interval",
                                "50",
                                "--election-timeout",
                                "500",
                                "--logger",
                                "zap",
                                "--log-outputs",
                                "stderr"};
  if (tls_)
    for (const char* side : {"--", "--peer-"})
      for (const auto& flag :
           std::vector<std::string>{std::string(side) + "cert-file=" + tls_->certFile,
                                    std::string(side) + "key-file=" + tls_->keyFile,
                                    std::string(side) + "trusted-ca-file=" + tls_->caFile,
                                    std::string(side) + "client-cert-auth=true"})
        argv.push_back(flag);
  m.pid = spawnLogged(argv, m.log, LogMode::Append);
  if (m.pid < 0) throw std::runtime_error("could not start etcd");
}

std::string TestEtcd::endpoints() const {
  std::string out;
  for (const auto& e : endpointList()) out += (out.empty() ? "" : ",") + e;
  return out;
}

std::vector<std::string> TestEtcd::endpointList() const {
  std::vector<std::string> out;
  for (const auto& m : members_)
    out.push_back(scheme() + "127.0.0.1:" + std::to_string(m.clientPort));
  return out;
}

void TestEtcd::kill(int member) {
  auto& m = members_.at(member);
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGKILL);
  ::waitpid(m.pid, nullptr, 0);
  m.pid = -1;
}

void TestEtcd::start(int member) {
  auto& m = members_.at(member);
  if (m.pid > 0) return;
  spawn(m, false);
}

std::string TestEtcd::ctl(const std::string& args) const {
  std::string eps;
  for (const auto& m : members_)
    if (m.pid > 0)
      eps += (eps.empty() ? "" : ",") + (scheme() + "127.0.0.1:" + std::to_string(m.clientPort));
  // Right after a member was killed the cluster may be electing a leader: retried while etcd
  // says so (Unavailable, timed out, deadline exceeded, no leader), for up to 20 s.
  CommandResult r;
  for (int attempt = 0; attempt < 40; ++attempt) {
    r = runShell("ETCDCTL_API=3 etcdctl --endpoints=" + eps + ctlFlags() +
                 " --command-timeout=5s " + args + " 2>&1");
    if (r.exitCode == 0) return r.output;
    bool transient = r.output.find("Unavailable") != std::string::npos ||
                     r.output.find("timed out") != std::string::npos ||
                     r.output.find("deadline exceeded") != std::string::npos ||
                     r.output.find("leader") != std::string::npos;
    if (!transient) break;
    ::usleep(500'000);
  }
  throw std::runtime_error("etcdctl " + args + ": " + r.output);
}

std::string TestEtcd::ctlFlags() const {
  if (!tls_) return "";
  return " --cacert=" + tls_->caFile + " --cert=" + tls_->clientCert + " --key=" + tls_->clientKey;
}

std::string TestEtcd::log(int member) const { return readText(members_.at(member).log); }

}  // namespace podkeeper::support
