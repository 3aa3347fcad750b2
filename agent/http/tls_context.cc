#include "agent/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/x509.h>

namespace podkeeper::http {
namespace {

namespace ssl = boost::asio::ssl;

// Go's default TLS 1.2 suites (crypto/tls, as the kubelet serves them); TLS 1.3 keeps
// OpenSSL's own list, which is the same AEAD set.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

constexpr unsigned char kSessionContext[] = "podkeeper";

std::string nameEntry(X509_NAME* name, int index) {
  X509_NAME_ENTRY* entry = X509_NAME_get_entry(name, index);
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
  if (n < 0) return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

}  // namespace

std::string opensslErrors(const std::string& fallback) {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? fallback : out;
}

Result<std::shared_ptr<ssl::context>> makeServerTlsContext(const TlsServerFiles& files) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_set_cipher_list(native, kTls12Ciphers) != 1)
    return failMsg("TLS cipher list: " + opensslErrors("refused"));
  if (SSL_CTX_use_certificate_chain_file(native, files.certFile.c_str()) != 1)
    return failMsg("--tls-cert-file " + files.certFile + ": " + opensslErrors("unreadable"));
  if (SSL_CTX_use_PrivateKey_file(native, files.keyFile.c_str(), SSL_FILETYPE_PEM) != 1)
    return failMsg("--tls-private-key-file " + files.keyFile + ": " + opensslErrors("unreadable"));
  if (SSL_CTX_check_private_key(native) != 1)
    return failMsg("--tls-private-key-file " + files.keyFile + " does not match " + files.certFile);
  SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
  if (files.clientCaFile.empty()) return ctx;
  if (SSL_CTX_load_verify_locations(native, files.clientCaFile.c_str(), nullptr) != 1)
    return failMsg("--client-ca-file " + files.clientCaFile + ": " + opensslErrors("unreadable"));
  STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(files.clientCaFile.c_str());
  if (names == nullptr)
    return failMsg("--client-ca-file " + files.clientCaFile + ": no certificate in it");
  SSL_CTX_set_client_CA_list(native, names);
  // A certificate is asked for, not required (bearer tokens need none); one that is sent
  // must verify, or the handshake fails: Go's VerifyClientCertIfGiven, as the kubelet.
  SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
  return ctx;
}

std::optional<TlsPeer> verifiedPeer(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return std::nullopt;
  std::optional<TlsPeer> peer;
  if (SSL_get_verify_result(ssl) == X509_V_OK) {
    peer.emplace();
    X509_NAME* subject = X509_get_subject_name(cert);
    int cn = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (cn >= 0) peer->commonName = nameEntry(subject, cn);
    for (int o = -1; (o = X509_NAME_get_index_by_NID(subject, NID_organizationName, o)) >= 0;)
      peer->organizations.push_back(nameEntry(subject, o));
  }
  X509_free(cert);
  return peer;
}

}  // namespace podkeeper::http
