#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <optional>
#include <string>

#include "agent/http/http_message.h"
#include "common/error.h"

// The serving side of TLS (OpenSSL through asio::ssl): TLS 1.2 and 1.3 only, the ECDHE AEAD
// ciphers Go's crypto/tls (so the kubelet) offers by default, and optional client
// certificates checked against a CA bundle.
namespace podkeeper::http {

struct TlsServerFiles {
  std::string certFile;      // PEM chain, leaf first
  std::string keyFile;       // PEM private key
  std::string clientCaFile;  // "" = no client certificates asked for
};

Result<std::shared_ptr<boost::asio::ssl::context>> makeServerTlsContext(
    const TlsServerFiles& files);

// The client certificate's subject when the handshake verified one against the client CA.
std::optional<TlsPeer> verifiedPeer(SSL* ssl);

// "error:0A000086:SSL routines::certificate verify failed" for the last OpenSSL errors
// (the queue is cleared), or fallback when there is none.
std::string opensslErrors(const std::string& fallback);

}  // namespace podkeeper::http
