#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <thread>

#include "agent/http/http_server.h"
#include "agent/http/router.h"
#include "agent/http/self_signed_cert.h"
#include "agent/http/tls_context.h"
#include "tests/support/http_get.h"
#include "tests/support/server_on_loop.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_pki.h"

// The HTTPS listener over real loopback sockets: the same sessions as plain HTTP under
// asio::ssl, the self-signed serving certificate, client certificates, and connection
// limits that slow clients cannot exhaust.
namespace podkeeper::http {
namespace {

namespace asio = boost::asio;
using support::httpGetLoopback;
using support::httpsGetLoopback;

class TlsServerTest : public ServerOnLoop {
 protected:
  void SetUp() override {
    router.add("GET", "/healthz", healthz);
    router.add("GET", "/whoami", [](const HttpRequest& r) {
      if (!r.peer) return HttpResponse::text(200, "anonymous");
      std::string groups;
      for (const auto& o : r.peer->organizations) groups += (groups.empty() ? "" : ",") + o;
      return HttpResponse::text(200, r.peer->commonName + ":" + groups);
    });
  }
  void serve(const TlsServerFiles& files, HttpServerLimits limits = {}) {
    auto ctx = makeServerTlsContext(files);
    ASSERT_TRUE(ctx) << ctx.error().message;
    makeServer(limits);
    ASSERT_TRUE(server->listenTls("127.0.0.1:0", *ctx));
    port = server->tcpPort();
    runLoop();
  }
  TlsServerFiles pkiFiles() { return {pki.serverCert(), pki.serverKey(), pki.caFile()}; }

  support::TempDir dir;
  support::TestPki pki{dir.path()};
};

TEST_F(TlsServerTest, SelfSignedCertificateIsMadeOnceWithAPrivateKeyAndVerifiesAsItsOwnCa) {
  auto first = ensureSelfSignedCert(dir.file("pki"), "node-a", {"10.1.2.3"});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(first->generated);
  struct stat st {};
  ASSERT_EQ(::stat(first->keyFile.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = ensureSelfSignedCert(dir.file("pki"), "node-a", {"10.1.2.3"});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->generated);
  ASSERT_NO_FATAL_FAILURE(serve({first->certFile, first->keyFile, ""}));
  // Verified against itself for 127.0.0.1 (an IP SAN).
  auto r = httpsGetLoopback(port, "/healthz", {.caFile = first->certFile});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST_F(TlsServerTest, AVerifiedClientCertificateNamesUserAndGroups) {
  ASSERT_NO_FATAL_FAILURE(serve(pkiFiles()));
  auto alice = pki.client("alice", {"ops", "system:monitoring"});
  auto r = httpsGetLoopback(
      port, "/whoami",
      {.certFile = alice.certFile, .keyFile = alice.keyFile, .caFile = pki.caFile()});
  EXPECT_EQ(r.body, "alice:ops,system:monitoring");
  EXPECT_EQ(httpsGetLoopback(port, "/whoami", {.caFile = pki.caFile()}).body, "anonymous");
}

TEST_F(TlsServerTest, AClientCertificateFromAnotherCaFailsTheHandshake) {
  ASSERT_NO_FATAL_FAILURE(serve(pkiFiles()));
  auto mallory = pki.client("mallory", {"system:masters"}, true);
  auto r =
      httpsGetLoopback(port, "/whoami", {.certFile = mallory.certFile, .keyFile = mallory.keyFile});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(httpsGetLoopback(port, "/healthz").status, 200);
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
  ASSERT_NO_FATAL_FAILURE(serve(pkiFiles()));
  EXPECT_EQ(httpGetLoopback(port, "/healthz").status, 0);
  EXPECT_EQ(httpsGetLoopback(port, "/healthz").status, 200);
}

TEST_F(TlsServerTest, AThousandSilentConnectionsDoNotStopAScrape) {
  ASSERT_NO_FATAL_FAILURE(serve(pkiFiles(), {.maxConnections = 100}));
  asio::io_context client;
  std::vector<asio::ip::tcp::socket> slow;
  for (int i = 0; i < 1000; ++i) {
    slow.emplace_back(client);
    slow.back().connect({asio::ip::make_address("127.0.0.1"), port});
    // Half of them start a handshake and stop: a TLS slowloris.
    if (i % 2) asio::write(slow.back(), asio::buffer(std::string("\x16\x03\x01\x00\xff", 5)));
  }
  auto r = httpsGetLoopback(port, "/healthz", {.caFile = pki.caFile()});
  EXPECT_EQ(r.status, 200);
  EXPECT_LE(server->activeConnections(), 101u);
}

TEST_F(TlsServerTest, MissingOrMismatchedFilesAreNamed) {
  auto missing = makeServerTlsContext({dir.file("none.crt"), pki.serverKey(), ""});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("--tls-cert-file"), std::string::npos);
  auto other = pki.client("bob", {});
  auto mismatch = makeServerTlsContext({pki.serverCert(), other.keyFile, ""});
  ASSERT_FALSE(mismatch);
  EXPECT_NE(mismatch.error().message.find("--tls-private-key-file"), std::string::npos);
}

}  // namespace
}  // namespace podkeeper::http
