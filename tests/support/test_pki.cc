#include "tests/support/test_pki.h"

#include <gtest/gtest.h>

#include "tests/support/command.h"

namespace podkeeper::support {

void TestPki::run(const std::string& command) {
  auto r = runShell("cd " + dir_ + " && " + command + " 2>&1");
  ASSERT_EQ(r.exitCode, 0) << command << "\n" << r.output;
}

TestPki::TestPki(std::string dir) : dir_(std::move(dir)) {
  const std::string newKey = "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes ";
  for (const std::string ca : {"ca", "other-ca"})
    run(newKey + "-x509 -days 2 -subj /CN=" + ca + " -keyout " + ca + ".key -out " + ca + ".crt");
  run(newKey + "-subj /CN=localhost -keyout server.key -out server.csr");
  run("printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > server.ext && "
      "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 "
      "-extfile server.ext -out server.crt");
}

TestPki::Client TestPki::client(const std::string& user, const std::vector<std::string>& groups,
                                bool untrusted) {
  std::string subject = "/CN=" + user;
  for (const auto& g : groups) subject += "/O=" + g;
  const std::string name = "client-" + user + (untrusted ? "-untrusted" : "");
  const std::string ca = untrusted ? "other-ca" : "ca";
  run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '" + subject +
      "' -keyout " + name + ".key -out " + name + ".csr");
  run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
      ".key -CAcreateserial -days 2 -out " + name + ".crt");
  return {dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
}

}  // namespace podkeeper::support
