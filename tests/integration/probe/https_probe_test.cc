#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "agent/http/http_server.h"
#include "agent/http/router.h"
#include "agent/http/self_signed_cert.h"
#include "agent/http/tls_context.h"
#include "manifests/admission.h"
#include "manifests/decode.h"
#include "probe/async_handlers.h"
#include "probe/handler_specs.h"
#include "tests/support/fake_runtime.h"
#include "tests/support/temp_dir.h"

// scheme: HTTPS probes, run by the AsioHandlerRunner on the same loop as the TLS server they
// probe (a probe that blocked the loop would starve the server and fail): no certificate
// verification, SNI from the Host header, the HTTP status and redirect rules, timeouts; and
// kubeadm's control-plane manifests validate and their probes pass against local servers.
namespace podkeeper::probe {
namespace {

using namespace std::chrono_literals;
using http::HttpRequest;
using http::HttpResponse;

int recordServerName(SSL* ssl, int*, void* arg) {
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  *static_cast<std::string*>(arg) = name ? name : "(none)";
  return SSL_TLSEXT_ERR_OK;
}

class HttpsProbe : public ::testing::Test {
 protected:
  void SetUp() override {
    router.add("GET", "/livez", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
    router.add("GET", "/readyz", [](const HttpRequest&) { return HttpResponse::text(200, "ok"); });
    router.add("GET", "/health",
               [](const HttpRequest&) { return HttpResponse::text(200, "{\"health\":\"true\"}"); });
    router.add("GET", "/broken", [](const HttpRequest&) { return HttpResponse::text(500, "no"); });
    router.add("GET", "/moved", [](const HttpRequest&) {
      HttpResponse r = HttpResponse::text(302, "");
      r.headers.emplace_back("Location", "https://elsewhere.example/");
      return r;
    });
    auto cert = http::ensureSelfSignedCert(dir.file("pki"), "node", {});
    ASSERT_TRUE(cert) << cert.error().message;
    auto ctx = http::makeServerTlsContext({cert->certFile, cert->keyFile, ""});
    ASSERT_TRUE(ctx);
    SSL_CTX_set_tlsext_servername_callback((*ctx)->native_handle(), recordServerName);
    SSL_CTX_set_tlsext_servername_arg((*ctx)->native_handle(), &serverName);
    ASSERT_TRUE(tlsServer.listenTls("127.0.0.1:0", *ctx));
    ASSERT_TRUE(plainServer.listenTcp("127.0.0.1:0"));
  }

  // Runs the handler on the loop (which also serves) until it answers.
  std::optional<HandlerResult> run(const HandlerSpec& spec) {
    std::optional<HandlerResult> result;
    runner.start(spec, [&](HandlerResult r) { result = std::move(r); });
    const auto until = std::chrono::steady_clock::now() + 10s;
    while (!result && std::chrono::steady_clock::now() < until) io.run_for(20ms);
    return result;
  }
  HandlerSpec https(const std::string& path, uint16_t port = 0) {
    HandlerSpec s;
    s.kind = HandlerKind::HttpGet;
    s.podNetwork = false;
    s.address = "127.0.0.1";
    s.port = port ? port : tlsServer.tcpPort();
    s.path = path;
    s.https = true;
    return s;
  }

  support::TempDir dir{"pk-https-probe"};
  boost::asio::io_context io;
  reconciler::testing::FakeRuntime runtime;
  AsioHandlerRunner runner{io, runtime};
  http::Router router;
  http::HttpServer tlsServer{io, router.handler()};
  http::HttpServer plainServer{io, router.handler()};
  std::string serverName;
};

TEST_F(HttpsProbe, SucceedsAgainstASelfSignedServerWithoutVerifyingIt) {
  auto r = run(https("/livez"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Success) << r->message;
  EXPECT_EQ(r->message, "ok");
}

TEST_F(HttpsProbe, StatusCodesAndRedirectsCountAsForHttp) {
  auto broken = run(https("/broken"));
  ASSERT_TRUE(broken);
  EXPECT_EQ(broken->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(broken->message, "HTTP probe failed with statuscode: 500");
  auto moved = run(https("/moved"));
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->outcome, HandlerOutcome::Warning) << moved->message;
}

TEST_F(HttpsProbe, APlainHttpServerFailsTheHandshake) {
  auto r = run(https("/livez", plainServer.tcpPort()));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_EQ(r->message.rfind("Get \"https://127.0.0.1:", 0), 0u) << r->message;
}

TEST_F(HttpsProbe, AServerThatNeverHandshakesFailsAfterTheTimeout) {
  // Listening, never accepting: the kernel completes the connect, nobody answers the hello.
  boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto spec = https("/livez", silent.local_endpoint().port());
  spec.timeoutMs = 300;
  const auto started = std::chrono::steady_clock::now();
  auto r = run(spec);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, HandlerOutcome::Failure);
  EXPECT_NE(r->message.find("context deadline exceeded"), std::string::npos) << r->message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(HttpsProbe, SniIsTheHostHeaderAndNoneForAnAddress) {
  auto spec = https("/livez");
  spec.headers.emplace_back("Host", "etcd.example:2381");
  ASSERT_TRUE(run(spec));
  EXPECT_EQ(serverName, "etcd.example");
  serverName.clear();
  ASSERT_TRUE(run(https("/livez")));
  EXPECT_EQ(serverName, "(none)");  // no SNI extension for an IP address
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_F(HttpsProbe, KubeadmControlPlaneManifestsValidateAndTheirProbesPass) {
  struct Case {
    std::string file;
    uint16_t port;
  };
  const std::string dirName = PK_SOURCE_DIR "/manifests/examples/kubernetes-docs/";
  for (const auto& c : {Case{"k8s-doc-kubeadm-kube-apiserver.yaml", tlsServer.tcpPort()},
                        Case{"k8s-doc-static-control-plane.yaml", plainServer.tcpPort()}}) {
    SCOPED_TRACE(c.file);
    auto decoded = manifests::decodeManifest(c.file, readFile(dirName + c.file));
    ASSERT_TRUE(decoded.ok());
    const auto& pod = decoded.pods.at(0);
    EXPECT_TRUE(manifests::admit(pod.pod, {}).problems.empty());
    const auto& container = pod.pod.spec.containers.at(0);
    int probes = 0;
    for (const auto* probe :
         {&container.livenessProbe, &container.readinessProbe, &container.startupProbe}) {
      if (!*probe) continue;
      ++probes;
      HandlerSpec spec = probeHandlerSpec(**probe, container, pod, "10.0.0.10");
      EXPECT_FALSE(spec.podNetwork);  // an explicit host: from the host's namespace
      EXPECT_EQ(spec.https, (*probe)->handler.httpGet->scheme == "HTTPS");
      // The manifest's address is not this machine's: the same probe, at the local server.
      spec.address = "127.0.0.1";
      spec.port = c.port;
      auto r = run(spec);
      ASSERT_TRUE(r);
      EXPECT_EQ(r->outcome, HandlerOutcome::Success) << spec.path << ": " << r->message;
    }
    EXPECT_GE(probes, 2);
  }
}

}  // namespace
}  // namespace podkeeper::probe
