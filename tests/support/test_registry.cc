#include "tests/support/test_registry.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/command.h"
#include "tests/support/http_get.h"
#include "tests/support/wait_for.h"

namespace podkeeper::support {
namespace {

void writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void mustRun(const std::string& command) {
  auto r = runShell("(" + command + ") 2>&1");
  if (r.exitCode != 0)
    throw std::runtime_error("`" + command + "` failed (" + std::to_string(r.exitCode) +
                             "): " + r.output);
}

// A CA and a server certificate for 127.0.0.1 signed by it.
void makeCertificates(const std::string& dir) {
  mustRun("cd " + dir +
          " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=pk-test-ca"
          " -keyout ca.key -out ca.crt"
          " && openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key"
          " -out server.csr"
          " && printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext"
          " && openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
          " -days 2 -extfile san.ext -out server.crt");
}

// A client certificate signed by the CA, in the containers certs.d convention.
void makeClientCertificate(const std::string& dir) {
  mustRun("mkdir -p " + dir + "/client && cd " + dir +
          " && openssl req -newkey rsa:2048 -nodes -subj /CN=pk-test-client"
          " -keyout client/client.key -out client.csr"
          " && openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
          " -days 2 -out client/client.cert");
}

}  // namespace

TestRegistry::TestRegistry(const std::string& dir, TestRegistryOptions options)
    : dir_(dir), options_(std::move(options)) {
  mustRun("mkdir -p " + dir_ + "/data");
  port_ = freeLoopbackPort();
  std::ostringstream cfg;
  cfg << "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: " << dir_
      << "/data\n  delete:\n    enabled: true\nhttp:\n  addr: " << host() << "\n";
  if (options_.tls) {
    makeCertificates(dir_);
    caFile_ = dir_ + "/ca.crt";
    cfg << "  tls:\n    certificate: " << dir_ << "/server.crt\n    key: " << dir_
        << "/server.key\n";
    if (options_.clientCerts) {
      makeClientCertificate(dir_);
      cfg << "    clientcas:\n      - " << caFile_ << "\n";
    }
  }
  if (!options_.user.empty()) {
    mustRun("htpasswd -Bbn '" + options_.user + "' '" + options_.password + "' > " + dir_ +
            "/htpasswd");
    cfg << "auth:\n  htpasswd:\n    realm: pk-test\n    path: " << dir_ << "/htpasswd\n";
  }
  writeText(dir_ + "/config.yml", cfg.str());
  pid_ = spawnLogged({"/usr/bin/docker-registry", "serve", dir_ + "/config.yml"},
                     dir_ + "/registry.log", LogMode::Truncate);
  const std::string scheme = options_.tls ? "https" : "http";
  const bool up = waitFor(
      [&] {
        return runShell("curl -s -o /dev/null -w '%{http_code}' --cacert " +
                        (caFile_.empty() ? std::string("/dev/null") : caFile_) +
                        (options_.clientCerts
                             ? " --cert " + clientCertDir() + "/client.cert --key " +
                                   clientCertDir() + "/client.key"
                             : std::string()) +
                        " " + scheme + "://" + host() + "/v2/")
                   .output.size() == 3;
      },
      std::chrono::seconds(15), std::chrono::milliseconds(50));
  if (!up) {
    std::string why = log();
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    throw std::runtime_error("docker-registry did not come up on " + host() + ": " + why);
  }
}

TestRegistry::~TestRegistry() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

std::string TestRegistry::log() const {
  std::ifstream in(dir_ + "/registry.log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void TestRegistry::push(const std::string& source, const std::string& nameTag) const {
  std::string cmd = "skopeo copy --quiet --dest-tls-verify=false";
  if (!options_.user.empty())
    cmd += " --dest-creds '" + options_.user + ":" + options_.password + "'";
  if (options_.clientCerts) cmd += " --dest-cert-dir " + clientCertDir();
  mustRun(cmd + " " + source + " docker://" + host() + "/" + nameTag);
}

std::string buildBusyboxOci(const std::string& layoutDir, const std::string& tag,
                            const std::vector<std::string>& configFlags,
                            const std::string& extraFile) {
  const std::string images = layoutDir + ".rootfs-" + tag;
  mustRun("sh " PK_SOURCE_DIR "/scripts/build-busybox-image.sh " + images + " >/dev/null");
  const std::string rootfs = images + "/busybox/latest/rootfs";
  if (!extraFile.empty()) writeText(rootfs + "/etc/extra", extraFile);
  mustRun("test -d " + layoutDir + " || umoci init --layout " + layoutDir);
  mustRun("umoci new --image " + layoutDir + ":" + tag);
  // Entries named relative to the root ("bin/busybox"), as docker and buildah write them.
  mustRun("cd " + rootfs +
          " && tar --numeric-owner -cf ../layer.tar * && umoci raw add-layer --image " + layoutDir +
          ":" + tag + " ../layer.tar");
  std::string config = "umoci config --image " + layoutDir + ":" + tag;
  for (const auto& f : configFlags) config += " '" + f + "'";
  if (!configFlags.empty()) mustRun(config);
  mustRun("rm -rf " + images);
  return "oci:" + layoutDir + ":" + tag;
}

}  // namespace podkeeper::support
