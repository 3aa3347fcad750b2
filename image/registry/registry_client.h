#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>

#include "common/clock.h"
#include "common/error.h"
#include "common/image_reference.h"
#include "image/oci/manifest.h"
#include "image/registry/auth_challenge.h"
#include "image/registry/auth_file.h"
#include "image/registry/http_client.h"
#include "image/registry/registry_hosts.h"

// A client of the OCI distribution API (Docker Registry HTTP API v2) for pulls: manifests by tag
// or digest, blobs streamed to a target. It answers the registry's challenges (Bearer tokens per
// repository scope, cached until they expire; Basic) with credentials from an auth.json, follows
// redirects itself (dropping Authorization when one leaves the registry's host, as containerd
// does) and retries 5xx answers and broken transfers with back-off, resuming a blob where it
// broke when the server allows. Blocking: it runs off the loop. Safe to share between threads.
namespace podkeeper::image::registry {

struct RegistryOptions {
  RegistryHostOptions hosts;
  HttpLimits limits;
  size_t maxManifestBytes = 4 << 20;         // containerd's limit on a manifest or an index
  int attempts = 4;                          // tries of one request before its failure is final
  std::chrono::milliseconds retryBase{500};  // back-off: base, 2x base, 4x base, ...
};

// Error codes of a registry's answers: ENOENT (404: manifest unknown, name unknown, blob
// unknown), EACCES (401 unauthorized, 403 denied), EFBIG (a manifest over the limit), EBADMSG
// (content that does not match its digest or size), EIO/ETIMEDOUT (network, after retries),
// EPROTO (anything else the registry says). Messages carry the registry's own error text.
struct FetchedManifest {
  std::string mediaType;  // Content-Type, else the document's mediaType
  std::string digest;     // "sha256:..." of the bytes, checked against a digest reference
  std::string body;
};

// Where a blob's bytes go. restart() drops what was written (a resume the server refused).
class BlobTarget {
 public:
  virtual ~BlobTarget() = default;
  virtual uint64_t written() const = 0;
  virtual Result<void> write(std::span<const char> bytes) = 0;
  virtual Result<void> restart() = 0;
};

class RegistryClient {
 public:
  RegistryClient(HttpClient& http, RegistryOptions options, AuthFile auth, const Clock& clock);

  // GET /v2/<path>/manifests/<reference> (a tag or a digest) with the Accept list of OCI index
  // and manifest and Docker manifest list and schema 2.
  Result<FetchedManifest> fetchManifest(const ImageReference& image, const std::string& reference);
  // GET /v2/<path>/blobs/<digest> streamed into `target`; at most `size` bytes are accepted.
  // The digest itself is verified by whoever commits the target.
  Result<void> fetchBlob(const ImageReference& image, const std::string& digest, uint64_t size,
                         BlobTarget& target);

 private:
  // One request with auth and redirects, then retries of transient failures.
  Result<HttpResponse> request(const ImageReference& image, const std::string& path,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               BodySink* sink, size_t maxBody);
  Result<HttpResponse> sendOnce(const ImageReference& image, HttpRequest req, BodySink* sink,
                                size_t maxBody);
  Result<std::string> authorization(const ImageReference& image, bool refresh,
                                    const std::optional<AuthChallenge>& challenge);
  Result<BearerToken> fetchToken(const AuthChallenge& c, const std::string& scope,
                                 const std::optional<Credentials>& creds);
  RegistryEndpoint endpoint(const std::string& domain) const;

  HttpClient& http_;
  RegistryOptions options_;
  AuthFile auth_;
  const Clock& clock_;
  std::mutex mu_;
  struct CachedToken {
    std::string header;  // "Bearer ..." or "Basic ..."
    int64_t expiresAtNs = 0;
  };
  std::map<std::string, AuthChallenge> challenges_;  // domain -> its last challenge
  std::map<std::string, CachedToken> tokens_;        // domain + " " + scope -> token
};

// The registry's error body ({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest
// unknown"}]}) as "manifest unknown (MANIFEST_UNKNOWN)", or "" when it has none.
std::string registryErrorText(std::string_view body);

}  // namespace podkeeper::image::registry
